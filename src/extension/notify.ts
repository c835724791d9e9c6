/** Error messages with actions; each one shown is also recorded (the integration tests read them). */
import * as vscode from 'vscode';

const recent: string[] = [];

export function showError(message: string, ...actions: string[]): Thenable<string | undefined> {
  recent.push(message);
  if (recent.length > 50) recent.shift();
  return vscode.window.showErrorMessage(message, ...actions);
}

export function recentErrors(): readonly string[] {
  return recent;
}
