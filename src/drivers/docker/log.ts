/** the slice of a pino-style logger the driver uses: structured fields first, then the message */
export type LogFn = (fields: Record<string, unknown>, message: string) => void;

export interface DriverLog {
  readonly info: LogFn;
  readonly warn: LogFn;
  readonly error: LogFn;
}

const ignore: LogFn = () => undefined;
export const SILENT_LOG: DriverLog = Object.freeze({ info: ignore, warn: ignore, error: ignore });
