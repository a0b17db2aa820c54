using System.Threading.Tasks;
namespace WecomPS.Bench
{
    public static class ProfileBench
    {
        public static Task<int> RunAsync(Options o) => Task.FromResult(0);
    }
}
