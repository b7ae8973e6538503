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
    // The base is a build ARG (a machine that cannot pull it passes a local stand-in); its default is the real one.
    expect(dockerfile).toMatch(new RegExp(`^ARG NODE_IMAGE=node:${nodeMajor}-bookworm$`, 'm'));
    expect(dockerfile).toMatch(/^FROM \$\{NODE_IMAGE\}$/m);
    expect(config.build?.args?.NODE_IMAGE, 'devcontainer.json keeps the default base').toBeUndefined();
  });

  it('installs kubectl unless a builder says INSTALL_KUBECTL=false', () => {
    expect(dockerfile).toMatch(/^ARG INSTALL_KUBECTL=true$/m);
    expect(config.build?.args?.INSTALL_KUBECTL, 'devcontainer.json keeps kubectl').toBeUndefined();
  });

  it("pins pnpm to package.json's packageManager, installed with npm", () => {
    expect(config.build?.args?.PNPM_VERSION).toBe(pnpmVersion);
    expect(dockerfile).toContain(`ARG PNPM_VERSION=${pnpmVersion}`);
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a Dockerfile variable, not a JS template
    expect(dockerfile).toContain('npm install -g --no-audit --no-fund pnpm@${PNPM_VERSION}');
  });

  it('installs every Debian package scripts/bootstrap.mjs installs, but the host-only test tools', () => {
    const { runtime, test } = bootstrapDebianPackages();
    // The image and cgroup v2 VM tests build images and boot a kernel as root on a real host: not in a
    // container whose user is node. Every other test package must be there.
    const hostOnly = ['podman', 'buildah', 'runc', 'debootstrap', 'qemu-system-x86', 'linux-image-amd64', 'e2fsprogs'];
    // Continuation lines joined, the words of the RUN that calls apt-get install.
    const run =
      dockerfile
        .replace(/\\\n/g, ' ')
        .split('\n')
        .find((line) => line.includes('apt-get install')) ?? '';
    const installed = new Set(run.split(/\s+/));
    for (const pkg of [...runtime, ...test].filter((p) => !hostOnly.includes(p)))
      expect(installed, `.devcontainer/Dockerfile lacks ${pkg}`).toContain(pkg);
    for (const pkg of hostOnly) expect(installed, `${pkg} is for the host only`).not.toContain(pkg);
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
