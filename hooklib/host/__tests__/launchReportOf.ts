// For the tests: what a whole pmm-launch report says, read line by line as runHost reads it while it comes.
import { noteLaunchLine, parseLaunchLine, type LaunchReport } from '../launchReport';

export function parseLaunchReport(text: string): LaunchReport {
  const report: LaunchReport = { pid: null, ending: null, failure: null };
  for (const line of text.split('\n').filter((l) => l !== '')) noteLaunchLine(report, parseLaunchLine(line));
  return report;
}
