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
        // only the types of the console's own operations: a schema change the
        // console does not use leaves the generated file (and check-generated) alone
        onlyOperationTypes: true,
        useTypeImports: true,
        scalars: { Time: 'string', Decimal: 'string', Int64: 'number' },
      },
    },
  },
};
export default config;
