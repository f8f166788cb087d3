#!/usr/bin/env -S node --max-semi-space-size=8
// switchboard <command>: one entry point for the server, the emulator and the demo.
const usage = `Usage: switchboard <command> [options]

Commands:
  start       run the server (same as npm start)
  emulator    run the local emulator of OpenAI's side (--help for options)
  demo        emulator + server + one scripted call; prints the timeline
  check       validate the profile file (switchboard.yaml): check [file]
  setup       register the webhook with OpenAI and write its secret: setup --url https://host
  doctor      check the line end to end (API key, models, webhook, public URL, secret, store)
  plan        what the server would do with a call: plan --from +1… --to +1… [--at …] [--header X=v]

Configuration: see README.md.
`;

const [command, ...rest] = process.argv.slice(2);

switch (command) {
  case 'start': {
    const { loadConfigOrExit, runServer } = await import('./main.ts');
    await runServer(loadConfigOrExit());
    break;
  }
  case 'emulator': {
    const { runEmulatorCli } = await import('./emulator/cli.ts');
    process.exitCode = await runEmulatorCli(rest);
    break;
  }
  case 'demo': {
    const { runDemo } = await import('./demo/run-demo.ts');
    process.exitCode = await runDemo(rest);
    break;
  }
  case 'check': {
    const { runCheckCommand } = await import('./profiles/check-command.ts');
    process.exitCode = await runCheckCommand(rest);
    break;
  }
  case 'setup': {
    const { runSetupCommand } = await import('./setup/setup-command.ts');
    process.exitCode = await runSetupCommand(rest);
    break;
  }
  case 'doctor': {
    const { runDoctorCommand } = await import('./setup/doctor-command.ts');
    process.exitCode = await runDoctorCommand(rest);
    break;
  }
  case 'plan': {
    const { runPlanCommand } = await import('./plan/plan-command.ts');
    process.exitCode = await runPlanCommand(rest);
    break;
  }
  case undefined:
  case 'help':
  case '--help':
  case '-h':
    process.stdout.write(usage);
    break;
  default:
    process.stderr.write(`switchboard: unknown command "${command}"\n\n${usage}`);
    process.exitCode = 64; // EX_USAGE
}
