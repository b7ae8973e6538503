import type { Language } from '../types.ts';

// .NET languages on bookworm's Mono (VB.NET's vbnc and F# are not in bookworm).

export const csharp: Language = {
  name: 'csharp',
  aliases: ['c#', 'cs', 'mono-csharp', 'mono-c#', 'mono-cs'],
  extensions: ['.cs'],
  fileName: 'main.cs',
  editorMode: 'csharp',
  runtimes: [
    {
      name: 'mono',
      aliases: ['mono'],
      judge0Ids: [51],
      debianPackages: ['mono-mcs', 'mono-runtime'],
      tools: { mcs: 'mcs', mono: 'mono' },
      version: {
        argv: ['mcs', '--version'],
        pattern: /compiler version (\d+\.\d+\.\d+(?:\.\d+)?)/,
        example: ['Mono C# compiler version 6.8.0.105', '6.8.0.105'],
      },
      // System.Numerics (BigInteger) is not among mcs's default references.
      compile: ['mcs', '-out:main.exe', '-r:System.Numerics', '{sources}'],
      run: ['mono', 'main.exe', '{args}'],
      // Mono's SGen GC grows its heap up to the stage's memory limit unless told where to stop.
      env: { MONO_GC_PARAMS: 'max-heap-size={heapMiB}m' },
      // /etc/mono/config maps System.Native & co. to their .so files: without it File.Exists throws.
      etc: ['mono'],
    },
  ],
  tests: {
    hello: 'class Program { static void Main() { System.Console.WriteLine("hello world"); } }',
    echoStdin:
      'using System;\nclass Program { static void Main() { Console.OpenStandardInput().CopyTo(Console.OpenStandardOutput()); } }',
    printArgs:
      'class Program { static void Main(string[] args) { System.Console.WriteLine(string.Join(" ", args)); } }',
    exit3: 'class Program { static int Main() { return 3; } }',
    uncaught: {
      source: 'class Program { static void Main() { throw new System.InvalidOperationException("boom"); } }',
      code: 1,
      stderr: /InvalidOperationException: boom/,
    },
    compileError: 'class Program { static void Main() { int x = "text"; } }',
  },
  sample: `using System;
using System.Linq;

class Program
{
    static void Main(string[] args)
    {
        string name = (Console.ReadLine() ?? "").Trim();
        if (name.Length == 0) name = "world";
        Console.WriteLine($"Hello, {name}!");
        Console.WriteLine($"args: [{string.Join(", ", args)}]");
        Console.WriteLine("squares: " + string.Join(" ", Enumerable.Range(1, 5).Select(n => n * n)));
    }
}
`,
};

export const clr: readonly Language[] = [csharp];
