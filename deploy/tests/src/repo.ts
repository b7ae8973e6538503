import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { debianPackages } from '@repo/languages';
import { type Dockerfile, DockerfileParser, Env, type Instruction, Label } from 'dockerfile-ast';

/** Absolute path of the repository root. */
export const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));

export const apps = [
  { name: 'code-runner', port: 10100 },
  { name: 'testero', port: 8080 },
] as const;
export type AppName = (typeof apps)[number]['name'];

export function readRepoFile(path: string): string {
  return readFileSync(`${repoRoot}${path}`, 'utf8');
}

export function rootPackageJson(): { packageManager: string; engines?: { node?: string } } {
  return JSON.parse(readRepoFile('package.json'));
}

/**
 * The Debian packages scripts/bootstrap.mjs installs: `sandbox` and `languages` (the toolchains, which it
 * reads from the language manifest), which together are `runtime`, what the services need; `test` for the
 * tests only.
 */
export function bootstrapDebianPackages(): {
  sandbox: string[];
  languages: string[];
  runtime: string[];
  test: string[];
} {
  const source = readRepoFile('scripts/bootstrap.mjs');
  const list = (name: string) => {
    const match = new RegExp(`const ${name} = \\[([^\\]]*)\\]`).exec(source);
    if (!match?.[1]) throw new Error(`scripts/bootstrap.mjs has no \`const ${name} = [...]\` list any more`);
    return [...match[1].matchAll(/'([^']+)'/g)].map((m) => m[1] as string);
  };
  const sandbox = list('sandboxPackages');
  if (!source.includes("'cli.ts'"))
    throw new Error('scripts/bootstrap.mjs no longer reads the language manifest (packages/languages/src/cli.ts)');
  const languages = [...debianPackages];
  return { sandbox, languages, runtime: [...sandbox, ...languages], test: list('debianTestPackages') };
}

/** The environment variable names an app's zod config schema declares (the keys in apps/<app>/src/config.ts). */
export function configVariables(app: AppName): string[] {
  const source = readRepoFile(`apps/${app}/src/config.ts`);
  return [...source.matchAll(/^\s+([A-Z][A-Z0-9_]+):/gm)].map((m) => m[1] as string);
}

type ReadConfig = (vars: Record<string, string | undefined>) => unknown;

/** The app's own `readConfig(vars)`: the same parsing and defaults the service uses at start-up. */
export async function appReadConfig(app: AppName): Promise<ReadConfig> {
  const module: { readConfig?: ReadConfig } = await import(`${repoRoot}apps/${app}/src/config.ts`);
  if (typeof module.readConfig !== 'function') throw new Error(`apps/${app}/src/config.ts exports no readConfig`);
  return module.readConfig;
}

export function parseDockerfile(app: AppName): Dockerfile {
  return DockerfileParser.parse(readRepoFile(`deploy/docker/${app}.Dockerfile`));
}

/** A build stage: its FROM and the instructions after it. */
export interface Stage {
  name: string | null;
  image: string;
  instructions: Instruction[];
}

/** Splits a Dockerfile into stages, with `${ARG}`s of the image name resolved from the global ARGs. */
export function stagesOf(dockerfile: Dockerfile): Stage[] {
  const globalArgs = new Map<string, string>();
  for (const arg of dockerfile.getInitialARGs()) {
    const property = arg.getProperty();
    if (property) globalArgs.set(property.getName(), property.getValue() ?? '');
  }
  const stages: Stage[] = [];
  for (const instruction of dockerfile.getInstructions()) {
    if (instruction.getKeyword() === 'FROM') {
      const [image = '', , name] = instruction.getArgumentsContent()?.split(/\s+/) ?? [];
      const resolved = image.replace(/\$\{(\w+)\}|\$(\w+)/g, (_, a, b) => globalArgs.get(a ?? b) ?? '');
      stages.push({ name: name ?? null, image: resolved, instructions: [] });
    } else {
      stages.at(-1)?.instructions.push(instruction);
    }
  }
  return stages;
}

/** Name/value pairs of every ENV (or LABEL) instruction in a stage. */
export function propertiesOf(stage: Stage, keyword: 'ENV' | 'LABEL'): Map<string, string> {
  const result = new Map<string, string>();
  for (const instruction of stage.instructions) {
    const wanted = keyword === 'ENV' ? instruction instanceof Env : instruction instanceof Label;
    if (!wanted) continue;
    for (const property of (instruction as Env | Label).getProperties()) {
      // A quoted value keeps its quotes in the AST; the image gets the value without them.
      result.set(property.getName(), (property.getUnescapedValue() ?? '').replace(/^"(.*)"$/s, '$1'));
    }
  }
  return result;
}

/** Calls `each` with every whole line of `stream` as it comes (the last one at its end): live logs of slow commands. */
export function eachLine(stream: NodeJS.ReadableStream | null | undefined, each: (line: string) => void): void {
  let partial = '';
  stream?.on('data', (chunk: Buffer | string) => {
    const lines = (partial + chunk.toString()).split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) each(line);
  });
  stream?.on('end', () => {
    if (partial) each(partial);
  });
}
