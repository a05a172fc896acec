// Keyturn licensing from C# (.NET or Mono), through the libkeyturn C library (P/Invoke).
//
//   using (var kt = new Keyturn.Client("vendor.json"))
//       if (kt.IsEntitled("pro")) { /* ... */ }
//
// The runtime finds libkeyturn.so / keyturn.dll / libkeyturn.dylib on the library path. Answers
// are the JSON documents of `keyturn ... --json`; parse them with the JSON library you use.
// Same keychain entries and state file as the Keyturn app and the `keyturn` command line.
using System;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.RegularExpressions;

namespace Keyturn
{
    /// <summary>A call that did not succeed: Result (the C result code), Code (stable, e.g.
    /// "SUSPENDED") and the words.</summary>
    public class KeyturnException : Exception
    {
        public int Result { get; }
        public string Code { get; }
        public KeyturnException(int result, string code, string message)
            : base(code + " (" + result + "): " + message)
        {
            Result = result;
            Code = code;
        }
    }

    internal static class Native
    {
        const string Lib = "keyturn";
        [DllImport(Lib)] public static extern int keyturn_open(byte[] config, out ulong handle);
        [DllImport(Lib)] public static extern int keyturn_close(ulong handle);
        [DllImport(Lib)] public static extern int keyturn_status(ulong handle, byte[] buffer, UIntPtr size, out UIntPtr needed);
        [DllImport(Lib)] public static extern int keyturn_is_entitled(ulong handle, byte[] feature, out int entitled);
        [DllImport(Lib)] public static extern int keyturn_activate(ulong handle, byte[] key, byte[] freeMachineId, byte[] buffer, UIntPtr size, out UIntPtr needed);
        [DllImport(Lib)] public static extern int keyturn_deactivate(ulong handle);
        [DllImport(Lib)] public static extern int keyturn_check(ulong handle, byte[] buffer, UIntPtr size, out UIntPtr needed);
        [DllImport(Lib)] public static extern int keyturn_fingerprint(ulong handle, byte[] buffer, UIntPtr size, out UIntPtr needed);
        [DllImport(Lib)] public static extern int keyturn_report(ulong handle, byte[] buffer, UIntPtr size, out UIntPtr needed);
        [DllImport(Lib)] public static extern int keyturn_seat_take(ulong handle, byte[] key, byte[] buffer, UIntPtr size, out UIntPtr needed);
        [DllImport(Lib)] public static extern int keyturn_seat_release(ulong handle);
        [DllImport(Lib)] public static extern int keyturn_last_error(ulong handle, out int result, byte[] buffer, UIntPtr size, out UIntPtr needed);
        [DllImport(Lib)] public static extern IntPtr keyturn_version();
    }

    public sealed class Client : IDisposable
    {
        public const int Ok = 0, SeatLimit = 8, BufferTooSmall = 20;
        delegate int Writer(byte[] buffer, UIntPtr size, out UIntPtr needed);
        ulong handle;

        /// <summary>config: the path of the vendor's vendor.json, or its JSON text.</summary>
        public Client(string config)
        {
            int result = Native.keyturn_open(Text(config), out handle);
            if (result != Ok) throw Error(0, result);
        }

        public static string Version => Marshal.PtrToStringAnsi(Native.keyturn_version());

        static byte[] Text(string value) => value == null ? null : Encoding.UTF8.GetBytes(value + "\0");

        /// <summary>Calls a function that writes text, growing the buffer when asked.</summary>
        static int Read(Writer call, out string text, int size = 4096)
        {
            for (;;)
            {
                var data = new byte[size];
                int result = call(data, (UIntPtr)size, out UIntPtr needed);
                if (result == BufferTooSmall) { size = (int)needed; continue; }
                int end = Array.IndexOf(data, (byte)0);
                text = Encoding.UTF8.GetString(data, 0, end < 0 ? 0 : end);
                return result;
            }
        }

        /// <summary>The "code" of an answer document (e.g. "VALID").</summary>
        public static string CodeOf(string json) => Regex.Match(json, "\"code\":\"([A-Z_]*)\"").Groups[1].Value;

        KeyturnException Error(ulong from, int result)
        {
            Read((byte[] b, UIntPtr s, out UIntPtr n) => Native.keyturn_last_error(from, out int _, b, s, out n), out string json);
            var message = Regex.Match(json, "\"message\":\"((?:[^\"\\\\]|\\\\.)*)\"").Groups[1].Value;
            return new KeyturnException(result, CodeOf(json), message);
        }

        string Json(Writer call, Func<int, bool> answers, int size = 4096)
        {
            int result = Read(call, out string text, size);
            // A failure writes nothing: its words are in the last error.
            if (!answers(result) || text.Length == 0) throw Error(handle, result);
            return text;
        }

        /// <summary>The offline check now: the `keyturn status --json` document (JSON).</summary>
        public string Status() =>
            Json((byte[] b, UIntPtr s, out UIntPtr n) => Native.keyturn_status(handle, b, s, out n), r => r < BufferTooSmall);

        /// <summary>True when licensed and the license grants the feature.</summary>
        public bool IsEntitled(string feature)
        {
            Native.keyturn_is_entitled(handle, Text(feature), out int entitled);
            return entitled == 1;
        }

        /// <summary>Activates online: code "OK", or "MACHINE_LIMIT_EXCEEDED" with the machines
        /// to free one of (pass its id as freeMachineId).</summary>
        public string Activate(string key, string freeMachineId = null) =>
            Json((byte[] b, UIntPtr s, out UIntPtr n) => Native.keyturn_activate(handle, Text(key), Text(freeMachineId), b, s, out n),
                 r => r == Ok || r == SeatLimit, 65536);

        public void Deactivate()
        {
            int result = Native.keyturn_deactivate(handle);
            if (result != Ok) throw Error(handle, result);
        }

        /// <summary>Syncs with the license server now: the `keyturn check --json` document.</summary>
        public string Check() =>
            Json((byte[] b, UIntPtr s, out UIntPtr n) => Native.keyturn_check(handle, b, s, out n), r => r < BufferTooSmall, 65536);

        public string Fingerprint() =>
            Json((byte[] b, UIntPtr s, out UIntPtr n) => Native.keyturn_fingerprint(handle, b, s, out n), r => r == Ok);

        /// <summary>Takes a floating seat for this computer and holds it (the library keeps it
        /// with heartbeats) until ReleaseSeat() or Dispose(); key null for the key stored here.
        /// JSON: code "OK" with seats and the lease, or "SEATS_IN_USE" with seats, next_free_at
        /// (Unix seconds) and message. Throws KeyturnException for anything else.</summary>
        public string TakeSeat(string key = null) =>
            Json((byte[] b, UIntPtr s, out UIntPtr n) => Native.keyturn_seat_take(handle, Text(key), b, s, out n),
                 r => r == Ok || r == SeatLimit);

        /// <summary>Gives the seat back now (nothing happens when none is held).</summary>
        public void ReleaseSeat()
        {
            int result = Native.keyturn_seat_release(handle);
            if (result != Ok) throw Error(handle, result);
        }

        /// <summary>The support report's licensing part (JSON).</summary>
        public string Report() =>
            Json((byte[] b, UIntPtr s, out UIntPtr n) => Native.keyturn_report(handle, b, s, out n), r => r == Ok);

        public void Dispose()
        {
            if (handle != 0) Native.keyturn_close(handle);
            handle = 0;
        }
    }
}
