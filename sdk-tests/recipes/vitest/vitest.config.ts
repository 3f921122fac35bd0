import { defineConfig } from 'vitest/config';

export default defineConfig({ test: { globalSetup: ['./revdir.setup.ts'] } });
