import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { type ParseError, parse, printParseErrorCode } from 'jsonc-parser';
import { describe, expect, it } from 'vitest';
import { apps, bootstrapDebianPackages, readRepoFile, repoRoot, rootPackageJson } from './repo.ts';

type DevContainer = {
  build?: { dockerfile?: string; args?: Record<string, string> };
  runArgs?: string[];
  postCreateCommand?: string;
  forwardPorts?: number[];
  customizations?: { vscode?: { extensions?: string[] } };
};

function readDevContainer(): DevContainer {
  const errors: ParseError[] = [];
  const config = parse(readRepoFile('.devcontainer/devcontainer.json'), errors, { allowTrailingComma: true });
  if (errors.length > 0) {
    throw new Error(
      `.devcontainer/devcontainer.json: ${errors.map((e) => `${printParseErrorCode(e.error)} at offset ${e.offset}`).join(', ')}`,
    );
  }
  return config;
}

describe('.devcontainer', () => {
  const config = readDevContainer();
  const dockerfile = readRepoFile('.devcontainer/Dockerfile');
  const pnpmVersion = rootPackageJson().packageManager.replace(/^pnpm@/, '');

  it('builds its own Dockerfile on the Node major of .nvmrc', () => {
    expect(config.build?.dockerfile).toBe('Dockerfile');
    expect(existsSync(join(repoRoot, '.devcontainer', config.build?.dockerfile ?? ''))).toBe(true);
    const nodeMajor = readRepoFile('.nvmrc').trim().replace(/^v/, '').split('.')[0];
    expect(dockerfile).toMatch(new RegExp(`^FROM node:${nodeMajor}-bookworm$`, 'm'));
  });

  it("pins pnpm to package.json's packageManager, installed with npm", () => {
    expect(config.build?.args?.PNPM_VERSION).toBe(pnpmVersion);
    expect(dockerfile).toContain(`ARG PNPM_VERSION=${pnpmVersion}`);
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a Dockerfile variable, not a JS template
    expect(dockerfile).toContain('npm install -g --no-audit --no-fund pnpm@${PNPM_VERSION}');
  });

  it('installs every Debian package scripts/bootstrap.mjs installs', () => {
    const { runtime, test } = bootstrapDebianPackages();
    // Continuation lines joined, the words of the RUN that calls apt-get install.
    const run =
      dockerfile
        .replace(/\\\n/g, ' ')
        .split('\n')
        .find((line) => line.includes('apt-get install')) ?? '';
    const installed = new Set(run.split(/\s+/));
    for (const pkg of [...runtime, ...test]) expect(installed, `.devcontainer/Dockerfile lacks ${pkg}`).toContain(pkg);
  });

  it('forwards the ports of the apps, installs the workspace, and suggests the Biome and Vitest extensions', () => {
    expect(config.forwardPorts?.toSorted()).toEqual(apps.map((a) => a.port).toSorted());
    expect(config.postCreateCommand).toMatch(/^pnpm install\b/);
    expect(config.customizations?.vscode?.extensions).toEqual(
      expect.arrayContaining(['biomejs.biome', 'vitest.explorer']),
    );
  });

  it('lets bubblewrap create namespaces (seccomp, AppArmor, /proc) without --privileged', () => {
    const options = (config.runArgs ?? []).filter((arg) => arg !== '--security-opt');
    expect(options).toEqual(['seccomp=unconfined', 'apparmor=unconfined', 'systempaths=unconfined']);
  });
});
