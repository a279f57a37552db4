/** Where the process is in its life: serving, or draining before it exits. */
export class Lifecycle {
  draining = false;
}
