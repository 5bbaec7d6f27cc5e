#!/usr/bin/env node
// kroute: the agent (`kroute [flags]`), the CLI (`kroute neighbor|rib|routes|tunnels`) and the lab (`kroute lab`).
import { parseFlags, usageText } from '../config/flags.js';
import { UsageError, EXIT_OK, EXIT_RUNTIME, EXIT_USAGE } from '../config/usage-error.js';
import { CLI_COMMANDS, CliError, parseCliArgs, runCli, type CliCommand } from '../cli/commands.js';
import { consoleLogger } from '../runtime/log.js';
import { VERSION } from '../runtime/version.js';
// The agent's modules (speaker, netlink, Kubernetes client) load only when the agent runs, so CLI commands start fast.

async function main(argv: string[]): Promise<number> {
  const [first, ...rest] = argv;
  if (first !== undefined && (CLI_COMMANDS as readonly string[]).includes(first)) {
    process.stdout.write(`${await runCli(parseCliArgs(first as CliCommand, rest))}\n`);
    return EXIT_OK;
  }
  if (first === 'lab') {
    const { runLab } = await import('../lab/lab.js');
    return runLab(rest);
  }
  const { options, positionals } = parseFlags(argv);
  if (options.help) {
    process.stdout.write(`${usageText()}\n`);
    return EXIT_OK;
  }
  if (options.version) {
    process.stdout.write(`kroute ${VERSION}\n`);
    return EXIT_OK;
  }
  if (positionals.length > 0) throw new UsageError(positionals[0]!, undefined, 'unknown command (kroute neighbor|rib|routes|tunnels|lab, or flags)');
  const log = consoleLogger(options.verbosity);
  const { startAgent, resolveNodeName, clusterSourceFor } = await import('../runtime/main.js');
  const { KrouteAgent } = await import('../runtime/agent.js');
  if (options.cleanupConfig) {
    const agent = new KrouteAgent(options, { source: clusterSourceFor(options), log, nodeName: resolveNodeName(options), version: VERSION });
    await agent.cleanup();
    log.info('cleanup done: kroute routes, rules, tunnels and FOU ports removed');
    return EXIT_OK;
  }
  log.info(`kroute ${VERSION} starting`);
  const running = await startAgent(options, log);
  return new Promise<number>((resolve) => {
    let stopping = false;
    const stop = (signal: string) => {
      if (stopping) return;
      stopping = true;
      const graceful = options.bgpGracefulRestart;
      log.info(`${signal}: stopping${graceful ? ' gracefully (graceful restart: sessions closed without NOTIFICATION, kernel routes kept)' : ' (Cease to every peer)'}`);
      running.stop(graceful).then(() => resolve(EXIT_OK), (e: unknown) => {
        log.error(`stop: ${(e as Error).message}`);
        resolve(EXIT_RUNTIME);
      });
    };
    process.on('SIGTERM', () => stop('SIGTERM'));
    process.on('SIGINT', () => stop('SIGINT'));
  });
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e: unknown) => {
    if (e instanceof UsageError) {
      process.stderr.write(`kroute: ${e.message}\n`);
      process.exit(EXIT_USAGE);
    }
    if (e instanceof CliError) {
      process.stderr.write(`kroute: ${e.message}\n`);
      process.exit(e.exitCode);
    }
    process.stderr.write(`kroute: ${(e as Error).stack ?? String(e)}\n`);
    process.exit(EXIT_RUNTIME);
  },
);
