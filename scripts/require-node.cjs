// Run before every npm script (package.json): under a Node older than 24 the scripts would fail
// later with errors that do not say why (a .ts file Node cannot load, Hardhat's HHE27). CommonJS
// and no newer syntax, so that any old Node can run it and print the reason.
var major = Number(process.versions.node.split('.')[0])
if (major < 24) {
  process.stderr.write('Busan Chain needs Node 24; this is Node ' + process.version + ' (' + process.execPath + ').\n' + 'Run `source scripts/env.sh` in this shell: it puts Node 24 on PATH, installing it into ~/.local/node24 when missing.\n')
  process.exit(1)
}
