#!/usr/bin/env node
// The process's entry. A reload signal (SIGHUP, SIGUSR1) kills a process that has no handler for it, and loading
// the rest of tsproxyd takes a while (systemd's reload may come right after its start): the handlers come first,
// then the command line (cli.ts) is loaded and run. A reload asked for before the configuration is read is moot
// (it is being read now); serve() and servePrimary() handle the later ones.
const ignore = (): void => undefined;
process.on('SIGHUP', ignore);
process.on('SIGUSR1', ignore);

const { main } = await import('./cli.js');
const code = main(process.argv.slice(2));
if (typeof code === 'number') process.exitCode = code;
else void code.then((c) => process.exit(c));
