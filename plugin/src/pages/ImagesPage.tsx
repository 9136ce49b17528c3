import React, { useEffect, useState } from 'react';
import { css } from '@emotion/css';
import type { GrafanaTheme2 } from '@grafana/data';
import { PluginPage } from '@grafana/runtime';
import {
  Alert,
  InlineField,
  InlineFieldRow,
  Input,
  InteractiveTable,
  LoadingPlaceholder,
  useStyles2,
  type Column,
} from '@grafana/ui';
import { useApi } from '../api/ApiContext';
import { LoadState } from '../components/LoadState';
import type { ImageItem, ImageVersionItem } from '../datasource/api';
import { formatBytes, formatTime, shortId } from './format';

const columns: Array<Column<ImageItem>> = [
  {
    id: 'repoTags',
    header: 'Tags',
    cell: ({ row }) => (row.original.repoTags.length ? row.original.repoTags.join(', ') : '<none>'),
  },
  { id: 'imageId', header: 'Image ID', cell: ({ row }) => shortId(row.original.imageId) },
  { id: 'hostId', header: 'Host' },
  { id: 'sizeBytes', header: 'Size', cell: ({ row }) => formatBytes(row.original.sizeBytes) },
  { id: 'createdAt', header: 'Created', cell: ({ row }) => formatTime(row.original.createdAt) },
  { id: 'containers', header: 'Containers', cell: ({ row }) => String(row.original.containers ?? '-') },
];

/** The version history of one image: when each of its tags started pointing at it, and at what before. */
export function VersionHistory({ imageId }: { imageId: string }) {
  const api = useApi();
  const [state, setState] = useState<{ items?: ImageVersionItem[]; error?: string }>({});
  useEffect(() => {
    let live = true;
    api
      .versionsOfImage(imageId)
      .then((items) => live && setState({ items }))
      .catch((e: Error) => live && setState({ error: e.message }));
    return () => {
      live = false;
    };
  }, [api, imageId]);
  if (state.error) {
    return (
      <Alert severity="error" title="Could not load the version history">
        {state.error}
      </Alert>
    );
  }
  if (!state.items) {
    return <LoadingPlaceholder text="Loading versions..." />;
  }
  if (state.items.length === 0) {
    return <div>No version history recorded for this image.</div>;
  }
  return (
    <table aria-label={`Versions of ${shortId(imageId)}`}>
      <thead>
        <tr>
          <th>Since</th>
          <th>Tag</th>
          <th>Host</th>
          <th>Image</th>
          <th>Replaced</th>
        </tr>
      </thead>
      <tbody>
        {state.items.map((v) => (
          <tr key={`${v.time}-${v.hostId}-${v.repository}-${v.tag}`}>
            <td>{formatTime(v.time)}</td>
            <td>{`${v.repository}:${v.tag}`}</td>
            <td>{v.hostId}</td>
            <td>{shortId(v.imageId)}</td>
            <td>{v.previousImageId ? shortId(v.previousImageId) : 'first seen'}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export function ImageBrowser() {
  const api = useApi();
  const styles = useStyles2(getStyles);
  const [repositoryText, setRepositoryText] = useState('');
  const [repository, setRepository] = useState<string | undefined>();
  const [result, setResult] = useState<{ items?: ImageItem[]; total?: number; error?: string }>({});

  useEffect(() => {
    const timer = setTimeout(() => setRepository(repositoryText.trim() || undefined), 250);
    return () => clearTimeout(timer);
  }, [repositoryText]);

  useEffect(() => {
    let live = true;
    api
      .images({ repository, limit: 500 })
      .then((page) => live && setResult({ items: page.items, total: page.total }))
      .catch((e: Error) => live && setResult({ error: e.message }));
    return () => {
      live = false;
    };
  }, [api, repository]);

  return (
    <div className={styles.page}>
      <InlineFieldRow>
        <InlineField label="Repository" tooltip="Exact repository name, such as nginx or ghcr.io/org/app">
          <Input
            aria-label="Repository"
            width={40}
            placeholder="all repositories"
            value={repositoryText}
            onChange={(e) => setRepositoryText(e.currentTarget.value)}
          />
        </InlineField>
      </InlineFieldRow>
      <LoadState what="images" error={result.error} items={result.items} emptyMessage="No images found">
        {(items) => (
          <InteractiveTable<ImageItem>
            columns={columns}
            data={items}
            getRowId={(i) => `${i.hostId}/${i.imageId}`}
            pageSize={50}
            renderExpandedRow={(image) => <VersionHistory imageId={image.imageId} />}
          />
        )}
      </LoadState>
    </div>
  );
}

export default function ImagesPage() {
  return (
    <PluginPage>
      <ImageBrowser />
    </PluginPage>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  page: css({ display: 'flex', flexDirection: 'column', gap: theme.spacing(2) }),
});
