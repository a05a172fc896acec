// Keyturn from C#: activate this computer, read the status and an entitlement, deactivate.
//
//   mcs -out:activate.exe bindings/csharp/Keyturn.cs examples/csharp/Activate.cs   (or a .NET project)
//   mono activate.exe vendor.json KEY pro      (libkeyturn.so on LD_LIBRARY_PATH)
using System;
using Keyturn;

static class Activate
{
    static int Main(string[] args)
    {
        try
        {
            using (var kt = new Client(args[0]))
            {
                Console.WriteLine("activate: " + Client.CodeOf(kt.Activate(args[1])));
                Console.WriteLine("status: " + Client.CodeOf(kt.Status()));
                Console.WriteLine(args[2] + ": " + (kt.IsEntitled(args[2]) ? "on" : "off"));
                kt.Deactivate();
                Console.WriteLine("deactivate: OK");
                Console.WriteLine("status: " + Client.CodeOf(kt.Status()));
            }
            return 0;
        }
        catch (KeyturnException e)
        {
            Console.Error.WriteLine("failed: " + e.Message);
            return e.Result;
        }
    }
}
