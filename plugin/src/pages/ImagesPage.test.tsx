import React from 'react';
import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { ImageBrowser } from './ImagesPage';
import { fakeApi, renderWithApi } from './testing';

const user = userEvent.setup({ delay: null });

describe('image browser', () => {
  it('lists images with tags, size and containers', async () => {
    renderWithApi(<ImageBrowser />, fakeApi());
    const row = (await screen.findByText('nginx:1.25, nginx:latest')).closest('tr')!;
    expect(within(row).getByText('179 MiB')).toBeInTheDocument();
    expect(within(row).getByText('aaaaaaaaaaaa')).toBeInTheDocument();
    expect(within(row).getByText('2026-11-01 00:00:00')).toBeInTheDocument();
    expect(screen.getByText('<none>')).toBeInTheDocument();
  });

  it('expanding an image shows its version history', async () => {
    const api = fakeApi();
    renderWithApi(<ImageBrowser />, api);
    const row = (await screen.findByText('nginx:1.25, nginx:latest')).closest('tr')!;
    await user.click(within(row).getByRole('button'));
    const history = await screen.findByRole('table', { name: 'Versions of aaaaaaaaaaaa' });
    expect(within(history).getByText('nginx:latest')).toBeInTheDocument();
    expect(within(history).getByText('cccccccccccc')).toBeInTheDocument();
    expect(within(history).getByText('first seen')).toBeInTheDocument();
    expect(api.versionsOfImage).toHaveBeenCalledWith('sha256:' + 'a'.repeat(64));
  });

  it('filters by repository', async () => {
    const api = fakeApi();
    renderWithApi(<ImageBrowser />, api);
    await screen.findByText('nginx:1.25, nginx:latest');
    await user.type(screen.getByLabelText('Repository'), 'nginx');
    await waitFor(() => expect(api.images).toHaveBeenLastCalledWith({ repository: 'nginx', limit: 500 }));
  });

  it('says so when there are no images, and shows errors', async () => {
    renderWithApi(
      <ImageBrowser />,
      fakeApi({ images: jest.fn().mockResolvedValue({ items: [], total: 0, limit: 500, offset: 0 }) })
    );
    expect(await screen.findByText('No images found')).toBeInTheDocument();
  });

  it('shows the API error', async () => {
    renderWithApi(
      <ImageBrowser />,
      fakeApi({ images: jest.fn().mockRejectedValue(new Error('Dockpulse API 500: boom')) })
    );
    expect(await screen.findByText('Could not load images')).toBeInTheDocument();
    expect(screen.getByText('Dockpulse API 500: boom')).toBeInTheDocument();
  });
});
