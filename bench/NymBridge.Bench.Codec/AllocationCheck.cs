using System.Globalization;
using NymBridge.Protocol;

namespace NymBridge.Bench.Codec;

/// <summary>
/// An exact zero-allocation check beside BenchmarkDotNet: the bytes the calling thread allocates over
/// many encodes (<see cref="GC.GetAllocatedBytesForCurrentThread"/>), which no other thread of the
/// process can disturb. BenchmarkDotNet's in-process figure counts every thread, so an allocation by
/// its own timers can show as 1 B/op in a case with few operations per iteration.
/// </summary>
internal static class AllocationCheck
{
    private const int Operations = 100_000;

    public static void Run(string output)
    {
        var lines = new List<string> { "Method,Kind,Size,Operations,AllocatedBytes" };
        foreach (var kind in new[] { RequestTag.Send, RequestTag.SendAnonymous, RequestTag.Reply })
        {
            foreach (var size in new[] { 100, 1024, 64 * 1024 })
            {
                var benchmark = new EncodeBenchmarks { Kind = kind, Size = size };
                benchmark.Setup();
                // Warm up first, so tiered compilation and first-call allocations are not counted.
                for (var i = 0; i < 1000; i++)
                {
                    benchmark.EncodeToPooledSpan();
                    benchmark.EncodeToBufferWriter();
                }

                lines.Add(Measure("EncodeToPooledSpan", kind, size, benchmark.EncodeToPooledSpan));
                lines.Add(Measure("EncodeToBufferWriter", kind, size, benchmark.EncodeToBufferWriter));
                benchmark.Cleanup();
            }
        }

        File.WriteAllLines(output, lines);
        Console.WriteLine(string.Join(Environment.NewLine, lines));
    }

    private static string Measure(string method, RequestTag kind, int size, Func<int> encode)
    {
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < Operations; i++)
        {
            encode();
        }

        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        return string.Create(CultureInfo.InvariantCulture, $"{method},{kind},{size},{Operations},{allocated}");
    }
}
