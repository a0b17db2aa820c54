namespace WecomPS.Testing { internal static class Placeholder { } }
