import { clr } from './families/clr.ts';
import { compiled } from './families/compiled.ts';
import { functional } from './families/functional.ts';
import { java, jvm } from './families/jvm.ts';
import { logicAndShells } from './families/logic-shells.ts';
import { c, cpp, go, rust } from './families/native.ts';
import { scientific } from './families/scientific.ts';
import { bash, javascript, lua, perl, php, python, ruby, tcl, typescript } from './families/scripts.ts';
import { systems } from './families/systems.ts';
import { awk, jq } from './families/tools.ts';
import type { Language } from './types.ts';

/** Every language code-runner knows, in the order it lists them; each is offered where its toolchain is found. */
export const languages: readonly Language[] = [
  python,
  javascript,
  typescript,
  bash,
  c,
  cpp,
  go,
  rust,
  java,
  ruby,
  php,
  perl,
  lua,
  tcl,
  awk,
  jq,
  ...compiled,
  ...systems,
  ...jvm,
  ...clr,
  ...functional,
  ...logicAndShells,
  ...scientific,
];
