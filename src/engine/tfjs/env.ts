/** Process-wide TF.js settings for the worker and the CLI: quiet, production mode, logs routed. */
import * as tf from '@tensorflow/tfjs';

let done = false;

/** TF.js prints advice and shape notes with console.warn; route them to `log` instead of stdout/stderr. */
export function configureTfjs(log: (level: 'debug' | 'warn', message: string) => void): void {
  if (done) return;
  done = true;
  tf.env().set('PROD', true);
  const warn = console.warn.bind(console);
  console.warn = (...args: unknown[]) => {
    const text = args.map(String).join(' ');
    if (/does not match the expectation of layer|looks like you are running TensorFlow\.js in Node|tfjs-node/.test(text)) log('debug', text.trim());
    else if (text.trim()) log('warn', text.trim());
    else warn(...args);
  };
}
