import React, { Suspense } from 'react';
import { Navigate, Route, Routes } from 'react-router-dom';
import type { AppRootProps } from '@grafana/data';
import { LoadingPlaceholder } from '@grafana/ui';
import { ROUTES } from '../../constants';
import { DatasourceApiProvider } from '../../api/ApiContext';

const ContainersPage = React.lazy(() => import('../../pages/ContainersPage'));
const ImagesPage = React.lazy(() => import('../../pages/ImagesPage'));
const LogsPage = React.lazy(() => import('../../pages/LogsPage'));

/** App settings (provisioning/plugins/dockpulse-app.yaml sets datasourceUid). */
export interface AppSettings {
  datasourceUid?: string;
}

function App({ meta }: AppRootProps<AppSettings>) {
  return (
    <DatasourceApiProvider preferredUid={meta?.jsonData?.datasourceUid || undefined}>
      <Suspense fallback={<LoadingPlaceholder text="" />}>
        <Routes>
          <Route path={ROUTES.Containers} element={<ContainersPage />} />
          <Route path={ROUTES.Images} element={<ImagesPage />} />
          <Route path={ROUTES.Logs} element={<LogsPage />} />
          <Route path="*" element={<Navigate to={ROUTES.Containers} replace />} />
        </Routes>
      </Suspense>
    </DatasourceApiProvider>
  );
}

export default App;
