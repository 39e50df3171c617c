// Starts the real `switchboard` binary for the integration tests: a
// temporary data folder, a free loopback port, the demo users' tokens.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { createInterface } from "node:readline";

const workspace = resolve(process.cwd(), "../..");

/** The server binary: $SWITCHBOARD_BIN, or the workspace's debug build (built if needed). */
export function serverBinary(): string {
  const fromEnv = process.env.SWITCHBOARD_BIN;
  if (fromEnv !== undefined && fromEnv !== "") return fromEnv;
  const build = spawnSync(
    "cargo",
    ["build", "-q", "-p", "switchboard-server", "--bin", "switchboard"],
    {
      cwd: workspace,
      stdio: "inherit",
    },
  );
  if (build.status !== 0) throw new Error("cargo build of the switchboard binary failed");
  const targetDir = process.env.CARGO_TARGET_DIR ?? join(workspace, "target");
  const binary = join(targetDir, "debug", "switchboard");
  if (!existsSync(binary)) throw new Error(`no server binary at ${binary}`);
  return binary;
}

export class TestServer {
  private child: ChildProcess | null = null;
  address = "";
  tokens = new Map<string, string>();

  private constructor(
    private readonly binary: string,
    readonly data: string,
  ) {}

  static async start(): Promise<TestServer> {
    const server = new TestServer(serverBinary(), mkdtempSync(join(tmpdir(), "sb-client-test-")));
    await server.run("127.0.0.1:0");
    return server;
  }

  get url(): string {
    return `ws://${this.address}/ws`;
  }

  /** Starts the server (again) on the same data folder; `listen` keeps the port on a restart. */
  async run(listen = this.address): Promise<void> {
    const child = spawn(this.binary, ["serve", "--listen", listen, "--data", this.data, "--demo"], {
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, SWITCHBOARD_LOG: "warn" },
    });
    this.child = child;
    child.stderr?.resume();
    const lines = createInterface({ input: child.stdout });
    await new Promise<void>((done, fail) => {
      const timer = setTimeout(() => fail(new Error("server did not start within 20 s")), 20_000);
      child.once("exit", (code) => fail(new Error(`server exited with ${String(code)}`)));
      lines.on("line", (line) => {
        const listening = /^listening on (\S+)/.exec(line);
        if (listening !== null) this.address = listening[1]!;
        const demo = /^demo login: (\S+) .* token (\S+)/.exec(line);
        if (demo !== null) this.tokens.set(demo[1]!, demo[2]!);
        // The demo users' tokens are printed after the address, on the first start only.
        if (this.address !== "" && (this.tokens.size >= 3 || /^WebSocket endpoint/.test(line))) {
          if (this.tokens.size >= 3 || listen !== "127.0.0.1:0") {
            clearTimeout(timer);
            child.removeAllListeners("exit");
            done();
          }
        }
      });
    });
  }

  /** Stops the server: SIGTERM (clients are told 1012) or SIGKILL (a crash). */
  async stop(signal: NodeJS.Signals = "SIGTERM"): Promise<void> {
    const child = this.child;
    if (child === null || child.exitCode !== null) return;
    this.child = null;
    await new Promise<void>((done) => {
      child.once("exit", () => done());
      child.kill(signal);
    });
  }

  async dispose(): Promise<void> {
    await this.stop("SIGKILL");
    rmSync(this.data, { recursive: true, force: true });
  }

  token(email: string): string {
    const token = this.tokens.get(email);
    if (token === undefined) throw new Error(`no demo token for ${email}`);
    return token;
  }
}
