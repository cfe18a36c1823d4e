import type { Services } from '../firebase';

export type ViewContext = {
  root: HTMLElement;
  /** Path segments after the view name (e.g. a request key). */
  path: string[];
  query: URLSearchParams;
  role: 'admin' | 'viewer';
  /** Viewers see no action; the callables refuse them anyway. */
  canAct: boolean;
  email: string;
  services: Services;
  navigate: (hash: string) => void;
  /** False once the admin has moved to another view: late results must not be drawn. */
  isCurrent: () => boolean;
};

/** Renders into ctx.root; returns what to undo when the admin leaves (listeners, timers). */
export type View = (ctx: ViewContext) => Promise<(() => void) | void>;
