using System.Runtime.InteropServices;

namespace NymBridge.Bench.Tools;

/// <summary>
/// CPU time of this process's children that have exited and been waited for (<c>getrusage(RUSAGE_CHILDREN)</c>): the
/// only way to learn what a short-lived child such as wrk used, since its /proc entry is gone once it is reaped.
/// .NET's <see cref="System.Diagnostics.Process"/> reaps every child it started, so the difference around one wrk run
/// is that run's CPU, as long as no other child exits meanwhile (the suite's other children live for a whole section).
/// </summary>
internal static partial class ChildrenCpu
{
    private const int RusageChildren = -1;

    public static double Seconds()
    {
        // struct rusage on 64-bit Linux: ru_utime and ru_stime (two timevals of two longs each), then 14 longs.
        var usage = new long[18];
        if (getrusage(RusageChildren, usage) != 0)
        {
            throw new InvalidOperationException($"getrusage failed (errno {Marshal.GetLastPInvokeError()})");
        }

        return usage[0] + (usage[1] / 1e6) + usage[2] + (usage[3] / 1e6);
    }

#pragma warning disable SYSLIB1054 // A blittable array needs no generated marshalling (and so no unsafe code in the tool).
    [DllImport("libc", SetLastError = true)]
    private static extern int getrusage(int who, [Out] long[] usage);
#pragma warning restore SYSLIB1054
}
