/** Where a command writes, and the signal that says the user asked it to stop. */
export interface CommandIo {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WriteStream;
  stdin: NodeJS.ReadableStream;
  signal: AbortSignal;
}
