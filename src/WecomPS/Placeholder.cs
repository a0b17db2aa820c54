namespace WecomPS { internal static class Placeholder { } }
