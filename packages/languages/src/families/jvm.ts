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

// The same flags for a JVM started by a Debian launcher script, which reads them from JAVA_OPTS.
const javaOpts = jvmFlags.join(' ');

// Bookworm's Kotlin library, which a Kotlin program needs at run time.
const kotlinStdlib = '/usr/share/java/kotlin-stdlib.jar';

export const kotlin: Language = {
  name: 'kotlin',
  aliases: ['kt'],
  extensions: ['.kt'],
  fileName: 'main.kt',
  editorMode: 'kotlin',
  runtimes: [
    {
      aliases: [],
      judge0Ids: [78],
      // The package kotlin depends on no JRE.
      debianPackages: ['kotlin', 'default-jre-headless'],
      tools: { kotlinc: 'kotlinc', java: 'java' },
      version: {
        // Debian's build calls itself 1.3-SNAPSHOT (the package is 1.3.31).
        argv: ['kotlinc', '-version'],
        pattern: /kotlinc-jvm (\d+\.\d+(?:\.\d+)?)/,
        example: ['info: kotlinc-jvm 1.3-SNAPSHOT (JRE 17.0.15+6-Debian-1deb12u1)', '1.3'],
      },
      // A jar whose Main-Class kotlinc sets from the `main` it found (about 3 s of CPU for hello world).
      compile: ['kotlinc', '{sources}', '-d', 'main.jar'],
      // The Kotlin library on the boot class path rather than in the jar (-include-runtime): no 3 MB copy
      // per compile, and boot classes skip bytecode verification (a faster start). -jar ignores -cp.
      run: ['java', ...jvmFlags, `-Xbootclasspath/a:${kotlinStdlib}`, '-jar', 'main.jar', '{args}'],
      // kotlinc's script passes JAVA_OPTS to its JVM. -PrintWarnings: the script adds -noverify, which
      // Java 17 warns about on every compile.
      env: { JAVA_OPTS: `${javaOpts} -XX:-PrintWarnings` },
    },
  ],
  tests: {
    hello: 'fun main() { println("hello world") }',
    echoStdin: 'fun main() { System.`in`.copyTo(System.out); System.out.flush() }',
    printArgs: 'fun main(args: Array<String>) { println(args.joinToString(" ")) }',
    exit3: 'import kotlin.system.exitProcess\nfun main() { exitProcess(3) }',
    uncaught: {
      source: 'fun main() { throw IllegalStateException("boom") }',
      code: 1,
      stderr: /IllegalStateException: boom/,
    },
    compileError: 'fun main() { val x: Int = "text" }',
  },
  sample: `fun main(args: Array<String>) {
    val name = readLine()?.trim().orEmpty().ifEmpty { "world" }
    println("Hello, $name!")
    println("args: \${args.toList()}")
    println("squares: \${(1..5).map { it * it }}")
}
`,
};

// Bookworm's Scala library, which a Scala program needs at run time.
const scalaLibrary = '/usr/share/scala-2.11/lib/scala-library.jar';

export const scala: Language = {
  name: 'scala',
  aliases: ['sc'],
  extensions: ['.scala'],
  fileName: 'main.scala',
  editorMode: 'scala',
  runtimes: [
    {
      aliases: [],
      judge0Ids: [81],
      debianPackages: ['scala', 'default-jre-headless'],
      tools: { scalac: 'scalac', java: 'java' },
      version: {
        argv: ['scalac', '-version'],
        pattern: /Scala compiler version (\d+\.\d+\.\d+)/,
        example: ['Scala compiler version 2.11.12 -- Copyright 2002-2017, LAMP/EPFL', '2.11.12'],
      },
      // scalac writes the jar's Main-Class itself (the one object with a main), so any object name runs.
      compile: ['scalac', '-d', 'main.jar', '{sources}'],
      // java, not the scala launcher (which starts in 0.8 s rather than 0.15 s); the library on the boot
      // class path as Kotlin's.
      run: ['java', ...jvmFlags, `-Xbootclasspath/a:${scalaLibrary}`, '-jar', 'main.jar', '{args}'],
      // scalac's script passes JAVA_OPTS to its JVM.
      env: { JAVA_OPTS: javaOpts },
    },
  ],
  tests: {
    hello: 'object Main extends App { println("hello world") }',
    echoStdin:
      'object Main { def main(args: Array[String]): Unit = { System.in.transferTo(System.out); System.out.flush() } }',
    printArgs: 'object Main { def main(args: Array[String]): Unit = println(args.mkString(" ")) }',
    exit3: 'object Main extends App { sys.exit(3) }',
    uncaught: {
      source: 'object Main extends App { throw new IllegalStateException("boom") }',
      code: 1,
      stderr: /IllegalStateException: boom/,
    },
    compileError: 'object Main extends App { val x: Int = "text" }',
  },
  sample: `import scala.io.StdIn

object Main {
  def main(args: Array[String]): Unit = {
    val line = Option(StdIn.readLine()).map(_.trim).getOrElse("")
    val name = if (line.isEmpty) "world" else line
    println(s"Hello, $name!")
    println(s"args: \${args.mkString("[", ", ", "]")}")
    println(s"squares: \${(1 to 5).map(n => n * n).mkString(" ")}")
  }
}
`,
};

export const groovy: Language = {
  name: 'groovy',
  aliases: ['gvy'],
  extensions: ['.groovy'],
  fileName: 'main.groovy',
  editorMode: 'groovy',
  runtimes: [
    {
      aliases: [],
      judge0Ids: [88],
      debianPackages: ['groovy', 'default-jre-headless'],
      tools: { groovy: 'groovy' },
      version: {
        argv: ['groovy', '--version'],
        pattern: /Groovy Version: (\d+\.\d+\.\d+)/,
        example: ['Groovy Version: 2.4.21 JVM: 17.0.15 Vendor: Debian OS: Linux', '2.4.21'],
      },
      run: ['groovy', '{main}', '{args}'],
      // groovy's script passes JAVA_OPTS to its JVM.
      env: { JAVA_OPTS: javaOpts },
      // Its class loader configuration: /usr/share/groovy/conf is a link to /etc/groovy.
      etc: ['groovy'],
    },
  ],
  tests: {
    hello: 'println "hello world"',
    echoStdin: 'System.out << System.in\nSystem.out.flush()',
    printArgs: 'println args.join(" ")',
    exit3: 'System.exit(3)',
    uncaught: { source: 'throw new IllegalStateException("boom")', code: 1, stderr: /IllegalStateException: boom/ },
  },
  sample: `def name = System.in.newReader().readLine()?.trim() ?: 'world'
println "Hello, \${name}!"
println "args: \${args.toList()}"
println "squares: \${(1..5).collect { it * it }}"
`,
};

// Bookworm's Clojure: its manifest's Class-Path brings spec.alpha and core.specs.alpha.
const clojureJar = '/usr/share/java/clojure-1.11.jar';

export const clojure: Language = {
  name: 'clojure',
  aliases: ['clj'],
  extensions: ['.clj'],
  fileName: 'main.clj',
  editorMode: 'clojure',
  runtimes: [
    {
      aliases: [],
      judge0Ids: [86],
      debianPackages: ['libclojure-java', 'default-jre-headless'],
      // java itself: Debian's clojure script passes the JVM no options.
      tools: { java: 'java' },
      version: {
        argv: ['java', '-cp', clojureJar, 'clojure.main', '-e', '(clojure-version)'],
        pattern: /"(\d+\.\d+\.\d+)/,
        example: ['"1.11.1"', '1.11.1'],
      },
      // clojure.main.report=stderr: an uncaught error's report goes to stderr, not to a file in /tmp.
      run: ['java', ...jvmFlags, '-Dclojure.main.report=stderr', '-cp', clojureJar, 'clojure.main', '{main}', '{args}'],
    },
  ],
  tests: {
    hello: '(println "hello world")',
    echoStdin: '(clojure.java.io/copy System/in System/out)\n(.flush System/out)',
    printArgs: '(println (clojure.string/join " " *command-line-args*))',
    exit3: '(System/exit 3)',
    uncaught: { source: '(throw (ex-info "boom" {}))', code: 1, stderr: /boom/ },
  },
  sample: `(require '[clojure.string :as str])

(let [line (str/trim (or (read-line) ""))
      name (if (str/blank? line) "world" line)]
  (println (str "Hello, " name "!"))
  (println "args:" (vec *command-line-args*))
  (println "squares:" (map #(* % %) (range 1 6))))
`,
};

/** The JVM's other languages, after Java. */
export const jvm: readonly Language[] = [kotlin, scala, groovy, clojure];
