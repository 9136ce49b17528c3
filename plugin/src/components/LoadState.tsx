import React, { type ReactNode } from 'react';
import { Alert, EmptyState, LoadingPlaceholder } from '@grafana/ui';

interface Props<T> {
  /** What is loaded, for the messages: "containers" -> "Could not load containers". */
  what: string;
  error?: string;
  /** undefined while loading. */
  items?: T[];
  emptyMessage: string;
  children: (items: T[]) => ReactNode;
}

/** The error, loading and empty states every list page shows before its table. */
export function LoadState<T>({ what, error, items, emptyMessage, children }: Props<T>) {
  if (error) {
    return (
      <Alert severity="error" title={`Could not load ${what}`}>
        {error}
      </Alert>
    );
  }
  if (!items) {
    return <LoadingPlaceholder text={`Loading ${what}...`} />;
  }
  if (items.length === 0) {
    return <EmptyState variant="not-found" message={emptyMessage} />;
  }
  return <>{children(items)}</>;
}
