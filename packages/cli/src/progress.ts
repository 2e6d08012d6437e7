/** A one-line progress bar on a terminal; plain lines when stderr is a file or pipe. */
export function progressReporter(stream: NodeJS.WriteStream = process.stderr) {
  return (done: number, total: number, label: string) => {
    if (stream.isTTY) {
      const width = 30;
      const filled = Math.round((done / total) * width);
      stream.write(`\r[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total} ${label.slice(0, 60).padEnd(60)}`);
      if (done === total) stream.write('\n');
    } else {
      stream.write(`${done}/${total} ${label}\n`);
    }
  };
}
