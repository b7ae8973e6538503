import { spawnSync } from 'node:child_process';
import { debianPackages, languageRows, languages, parseLanguageTable, readmeMarkers } from '@repo/languages';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { bootstrapDebianPackages, readRepoFile, repoRoot } from './repo.ts';

// The language manifest (packages/languages) is the one source of truth for languages. code-runner, the
// web page and the CLI import it; the bootstrap, the image and the GitHub workflow read its Debian packages
// with its command line (packages/languages/src/cli.ts). The places that cannot (the dev container, whose
// build sees only .devcontainer/, and the languages CI promises, which are a statement) keep their own copy,
// and this test fails on any difference, saying what differs and where to fix it.

const manifestFix = "a runtime's `debianPackages` in packages/languages/src/families/";

/** Every package an `apt-get install` in `script` names (continuation lines joined; options and `VAR=x` left out). */
function aptInstalled(script: string): string[] {
  const joined = script.replace(/\\\n/g, ' ');
  return [...joined.matchAll(/apt-get install([^&;|\n]*)/g)].flatMap((m) =>
    (m[1] ?? '').split(/\s+/).filter((word) => word !== '' && !word.startsWith('-') && !word.includes('=')),
  );
}

/**
 * What differs between the toolchain packages `place` installs and the manifest's: `installed` minus
 * `others` (the place's packages that are no toolchain) must be exactly the manifest's packages.
 */
function packageDifference(place: string, installed: string[], others: string[], where: string): string[] {
  const toolchains = new Set(installed.filter((pkg) => !others.includes(pkg)));
  const missing = debianPackages.filter((pkg) => !toolchains.has(pkg));
  const extra = [...toolchains].filter((pkg) => !debianPackages.includes(pkg));
  const problems: string[] = [];
  if (missing.length > 0) {
    problems.push(`${place} lacks ${missing.join(' ')}, which the language manifest needs: add it to ${where}`);
  }
  if (extra.length > 0) {
    problems.push(
      `${place} installs ${extra.join(' ')}, which no language of the manifest needs: add it to ${manifestFix}, ` +
        `or remove it from ${where} (or, if it is no toolchain, add it to this place's other packages in deploy/tests/src/languages.test.ts)`,
    );
  }
  return problems;
}

describe('the language manifest agrees with every place that keeps a copy', () => {
  const bootstrap = bootstrapDebianPackages();
  const names = languages.map((l) => l.name).join(',');

  it("scripts/bootstrap.mjs and the image read the manifest's packages, which the command line prints", () => {
    // bootstrapDebianPackages() fails where bootstrap.mjs no longer calls the manifest's cli.ts; the
    // Dockerfile's toolchains stage is checked in dockerfile.test.ts, and the image test runs every language.
    expect(bootstrap.languages).toEqual(debianPackages);
    const printed = spawnSync(process.execPath, [`${repoRoot}packages/languages/src/cli.ts`, 'packages'], {
      encoding: 'utf8',
    });
    expect(printed.stdout.split('\n').filter(Boolean)).toEqual(debianPackages);
  });

  it("the dev container installs what the bootstrap does (but host-only tools) and exactly the manifest's packages", () => {
    const installed = aptInstalled(readRepoFile('.devcontainer/Dockerfile'));
    // The test packages minus the host-only ones (deploy/tests/src/devcontainer.test.ts checks those), and
    // what a slim base lacks and the kubectl repository needs.
    const others = [...bootstrap.sandbox, ...bootstrap.test, 'git', 'ca-certificates', 'curl', 'gnupg', 'kubectl'];
    expect(
      packageDifference(
        '.devcontainer/Dockerfile',
        installed,
        others,
        'its first apt-get install (the toolchains line)',
      ),
    ).toEqual([]);
  });

  it("the GitHub workflow installs the manifest's packages and promises exactly its languages", () => {
    type Job = { env?: Record<string, string>; steps: { run?: string }[] };
    const workflow: { jobs: Record<string, Job> } = parse(readRepoFile('.github/workflows/ci.yml'));
    const installs = Object.values(workflow.jobs).flatMap((job) =>
      job.steps.map((s) => s.run ?? '').filter((run) => run.includes('apt-get install')),
    );
    expect(installs.join('\n'), '.github/workflows/ci.yml reads the toolchains from the manifest').toContain(
      '$(node packages/languages/src/cli.ts packages)',
    );
    const promised = Object.values(workflow.jobs).flatMap((job) => job.env?.EXPECT_LANGUAGES ?? []);
    expect(promised, `.github/workflows/ci.yml: set the check job's EXPECT_LANGUAGES to ${names}`).toEqual([names]);
  });

  it("the README's language table lists every runtime of the manifest with its aliases", () => {
    const [start, end] = readmeMarkers;
    const readme = readRepoFile('README.md');
    const table = readme.slice(readme.indexOf(start) + start.length, readme.indexOf(end));
    expect(readme.indexOf(start), `README.md lacks the line ${start}`).toBeGreaterThan(0);
    expect(
      parseLanguageTable(table),
      'README.md: rewrite the table with `pnpm --filter code-runner bench:languages --write` (every toolchain installed)',
    ).toEqual(languageRows(languages));
  });

  it("CI (.ci/run) promises exactly the manifest's languages", () => {
    const promised = /export EXPECT_LANGUAGES="\$\{EXPECT_LANGUAGES:-([^}]*)\}"/.exec(readRepoFile('.ci/run'))?.[1];
    expect(promised, `.ci/run: set the default of EXPECT_LANGUAGES to ${names}`).toBe(names);
  });
});

describe('aptInstalled', () => {
  it('reads the packages of every apt-get install, across continuation lines, without options', () => {
    const script = [
      'apt-get update \\',
      ' && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \\',
      '      bubblewrap procps \\',
      '      python3 \\',
      ' && rm -rf /var/lib/apt/lists/*',
      'sudo apt-get install -y gcc g++',
    ].join('\n');
    expect(aptInstalled(script)).toEqual(['bubblewrap', 'procps', 'python3', 'gcc', 'g++']);
  });

  it('says what is missing and what is extra, and where to fix each', () => {
    const problems = packageDifference(
      'x.Dockerfile',
      ['tini', 'cowsay', ...debianPackages.slice(1)],
      ['tini'],
      'its list',
    );
    expect(problems).toEqual([
      `x.Dockerfile lacks ${debianPackages[0]}, which the language manifest needs: add it to its list`,
      expect.stringMatching(
        /^x\.Dockerfile installs cowsay, which no language of the manifest needs: add it to a runtime's/,
      ),
    ]);
  });
});
