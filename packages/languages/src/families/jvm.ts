import type { Language } from '../types.ts';

// JVM flags for a small memory cgroup: a heap below the limit, a single GC thread, a small code cache,
// the client compiler only (fast start), and few threads so the process limit is not eaten by the JVM.
const jvmFlags = [
  '-Xmx{heapMiB}m',
  '-Xss8m',
  '-XX:+UseSerialGC',
  '-XX:TieredStopAtLevel=1',
  '-XX:CICompilerCount=1',
  '-XX:ReservedCodeCacheSize=32m',
  '-XX:MaxMetaspaceSize=96m',
  '-XX:-UsePerfData',
  '-Xshare:auto',
];

export const java: Language = {
  name: 'java',
  aliases: ['jdk'],
  v1Name: 'java',
  extensions: ['.java'],
  fileName: 'Main.java',
  fileNameFromSource: { pattern: /public\s+(?:final\s+|abstract\s+)*class\s+([A-Za-z_$][\w$]*)/, suffix: '.java' },
  editorMode: 'java',
  runtimes: [
    {
      aliases: [],
      judge0Ids: [62],
      debianPackages: ['default-jdk-headless'],
      tools: { javac: 'javac', java: 'java' },
      version: {
        argv: ['javac', '-version'],
        pattern: /javac (\d+(?:\.\d+)*\S*)/,
        example: ['javac 17.0.17', '17.0.17'],
      },
      compile: ['javac', ...jvmFlags.map((flag) => `-J${flag}`), '-encoding', 'UTF-8', '{sources}'],
      run: ['java', ...jvmFlags, '-cp', '.', '{stem}', '{args}'],
    },
  ],
  tests: {
    hello: 'public class Main { public static void main(String[] a) { System.out.println("hello world"); } }',
    echoStdin:
      'public class Main { public static void main(String[] a) throws Exception { System.in.transferTo(System.out); } }',
    printArgs: 'public class Main { public static void main(String[] a) { System.out.println(String.join(" ", a)); } }',
    exit3: 'public class Main { public static void main(String[] a) { System.exit(3); } }',
    uncaught: {
      source: 'public class Main { public static void main(String[] a) { throw new RuntimeException("boom"); } }',
      code: 1,
      stderr: /RuntimeException: boom/,
    },
    compileError: 'public class Main { public static void main(String[] a) { int x = "text"; } }',
  },
  sample: `import java.util.Arrays;
import java.util.Scanner;

public class Main {
    public static void main(String[] args) {
        Scanner in = new Scanner(System.in);
        String name = in.hasNextLine() ? in.nextLine().trim() : "";
        if (name.isEmpty()) name = "world";
        System.out.println("Hello, " + name + "!");
        System.out.println("args: " + Arrays.toString(args));
        for (int n = 1; n <= 5; n++) System.out.print(n * n + " ");
        System.out.println();
    }
}
`,
};

/** The JVM's other languages, after Java. */
export const jvm: readonly Language[] = [];
