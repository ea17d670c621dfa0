// graphql-codegen: typed documents for every query in src/, from the
// repository's schema (the same file gqlgen generates the server from).
import type { CodegenConfig } from '@graphql-codegen/cli';

const config: CodegenConfig = {
  schema: '../../schema.graphqls',
  documents: ['src/**/*.tsx', 'src/**/*.ts', '!src/gql/**'],
  ignoreNoDocuments: true,
  generates: {
    'src/gql/': {
      preset: 'client',
      presetConfig: { fragmentMasking: false },
      config: {
        enumsAsTypes: true,
        useTypeImports: true,
        scalars: { Time: 'string', Decimal: 'string', Int64: 'number' },
      },
    },
  },
};
export default config;
