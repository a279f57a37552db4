import { createApp } from '../src/app/create-app.js';
import { TestClock } from '../test/test-clock.js';

/*
 * The gateway in a process of its own, so that its memory is measured alone: configured by its
 * environment as `npm start` is, its clock pinned to `BENCH_NOW` as the simulators' is. It prints
 * its address once it listens.
 */
const clock = new TestClock(Date.parse(String(process.env.BENCH_NOW)));
const app = await createApp(process.env, { clock });
await app.listen(0, '127.0.0.1');
process.stdout.write(`${(await app.getUrl()).replace('[::1]', '127.0.0.1')}\n`);
process.once('SIGTERM', () => {
  void app.close().then(() => process.exit(0));
});
