'use strict';
// s3rver with the credentials and bucket the test fixture chooses: s3rver itself knows only its hard-coded
// S3RVER/S3RVER key pair, which is revoked here so that only S3_ACCESS_KEY_ID/S3_SECRET_ACCESS_KEY sign.
const S3rver = require('s3rver');
const AWSAccount = require('s3rver/lib/models/account');

const { S3_ACCESS_KEY_ID: id, S3_SECRET_ACCESS_KEY: secret, S3_BUCKETS: buckets = '' } = process.env;
if (!id || !secret) {
  console.error('serve.js: S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY are required');
  process.exit(2);
}
AWSAccount.DUMMY_ACCOUNT.revokeAccessKey('S3RVER');
AWSAccount.DUMMY_ACCOUNT.createKeyPair(id, secret);

new S3rver({
  address: '0.0.0.0',
  port: 4568,
  directory: '/data',
  silent: false,
  vhostBuckets: false,
  configureBuckets: buckets.split(',').filter(Boolean).map(name => ({ name })),
}).run().then(
  ({ address, port }) => console.log(`s3rver listening on ${address}:${port}`),
  err => { console.error(err); process.exit(1); },
);
