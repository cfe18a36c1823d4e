import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { deleteApp, initializeApp } from 'firebase-admin/app';
import { getFirestore, type Firestore } from 'firebase-admin/firestore';

// A Firestore emulator of the test's own, which it may stop and restart: for faults that must
// not disturb the shared stack.

const MAIN_CLASS = 'com.google.cloud.datastore.emulator.firestore.CloudFirestore';

function findJar(): string {
  const candidates = [
    process.env.FIRESTORE_EMULATOR_JAR,
    '/usr/lib/google-cloud-sdk/platform/cloud-firestore-emulator/cloud-firestore-emulator.jar',
    ...(() => {
      const dir = path.join(os.homedir(), '.cache', 'firebase', 'emulators');
      return fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => /^cloud-firestore-emulator.*\.jar$/.test(f)).map((f) => path.join(dir, f)) : [];
    })(),
  ];
  const jar = candidates.find((candidate) => candidate && fs.existsSync(candidate));
  if (!jar) throw new Error('no Firestore emulator jar found for the private Firestore (set FIRESTORE_EMULATOR_JAR)');
  return jar;
}

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

export class PrivateFirestore {
  private process: ChildProcess | undefined;
  private constructor(readonly port: number, private readonly jar: string) {}

  static async start(): Promise<PrivateFirestore> {
    const instance = new PrivateFirestore(await freePort(), findJar());
    await instance.resume();
    return instance;
  }

  get host(): string {
    return `127.0.0.1:${this.port}`;
  }

  async resume(): Promise<void> {
    this.process = spawn('java', ['-cp', this.jar, MAIN_CLASS, '--host', '127.0.0.1', '--port', String(this.port), '--project_id', 'demo-private', '--single_project_mode', 'true'], { stdio: 'ignore' });
    const deadline = Date.now() + 60_000;
    for (;;) {
      try {
        if ((await fetch(`http://${this.host}/`)).ok) return;
      } catch {
        // not up yet
      }
      if (Date.now() > deadline) throw new Error('private Firestore did not start');
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  /** Stops the server: every call from then on fails as if Firestore were gone. */
  async stop(): Promise<void> {
    const running = this.process;
    this.process = undefined;
    if (!running || running.exitCode !== null) return;
    const exited = new Promise((resolve) => running.once('exit', resolve));
    running.kill('SIGKILL');
    await exited;
  }

  /** A fresh admin client bound to this server (the Admin SDK reads the emulator host at creation). */
  client(name: string): { firestore: Firestore; close(): Promise<void> } {
    const previous = process.env.FIRESTORE_EMULATOR_HOST;
    process.env.FIRESTORE_EMULATOR_HOST = this.host;
    const app = initializeApp({ projectId: 'demo-private' }, name);
    const firestore = getFirestore(app);
    firestore.settings({ ignoreUndefinedProperties: true });
    process.env.FIRESTORE_EMULATOR_HOST = previous;
    return { firestore, close: () => deleteApp(app) };
  }
}
