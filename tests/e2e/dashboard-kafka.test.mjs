// The dashboard's end-to-end tests on the production path (Kafka, ClickHouse, Redis): the
// same tests as dashboard.test.mjs, which reads the mode when it is loaded, hence the
// dynamic import after setting it.
process.env.DASHBOARD_E2E_MODE = 'kafka';
await import('./dashboard.test.mjs');
