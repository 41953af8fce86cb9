// Rollup warning filter for the renderer builds: dependencies' misplaced /*#__PURE__*/ comments
// (zod's) are harmless and not ours to fix; every other warning still prints.
import type { RollupLog, LoggingFunction } from 'rollup';

export function quietDependencyAnnotations(warning: RollupLog, warn: LoggingFunction): void {
  if (warning.code === 'INVALID_ANNOTATION' && warning.id?.includes('node_modules')) return;
  warn(warning);
}
