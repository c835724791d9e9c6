/** The "Transfer Studio" log output channel. */
import * as vscode from 'vscode';

export type Log = vscode.LogOutputChannel;

export function createLog(): Log {
  return vscode.window.createOutputChannel('Transfer Studio', { log: true });
}
