// The manifest for the places that cannot import it (a Dockerfile, the bootstrap, the GitHub workflow), read
// with plain Node (24, or 22.12+ with --experimental-strip-types); the one file of the package that uses Node.
//
//   node packages/languages/src/cli.ts packages [LANGUAGES]   their Debian packages, one per line
//   node packages/languages/src/cli.ts names [LANGUAGES]      their names, comma-separated
//
// LANGUAGES: `all` (the default) or names separated by commas, e.g. `python,c++,go` (any name or alias).
import { debianPackagesOf, selectLanguages, UnknownLanguageError } from './index.ts';

const usage = 'usage: node packages/languages/src/cli.ts <packages|names> [all | name,name,...]';
const [what, ...list] = process.argv.slice(2);
try {
  const selected = selectLanguages(list.join(','));
  if (what === 'packages') process.stdout.write(`${debianPackagesOf(selected).join('\n')}\n`);
  else if (what === 'names') process.stdout.write(`${selected.map((l) => l.name).join(',')}\n`);
  else {
    process.stderr.write(`${usage}\n`);
    process.exitCode = 2;
  }
} catch (error) {
  if (!(error instanceof UnknownLanguageError)) throw error;
  process.stderr.write(`${error.message}\n${usage}\n`);
  process.exitCode = 2;
}
