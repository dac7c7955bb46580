#!/bin/sh
# One-shot (docker-compose service minio-init, in the minio/mc image): the bucket sohoa stores
# record packages in, with versioning on (an overwritten or deleted object can be recovered), a
# user for sohoa that is not MinIO's root, and the clean-up of incomplete multipart uploads.
# Safe to run again.
set -eu
: "${MINIO_ROOT_USER:?}" "${MINIO_ROOT_PASSWORD:?}" "${SOHOA_BUCKET:?}"
: "${SOHOA_S3_ACCESS_KEY:?}" "${SOHOA_S3_SECRET_KEY:?}"
until mc alias set archive http://minio:9000 "$MINIO_ROOT_USER" "$MINIO_ROOT_PASSWORD" > /dev/null; do
  echo "waiting for MinIO"; sleep 2
done
mc mb --ignore-existing "archive/$SOHOA_BUCKET"
mc version enable "archive/$SOHOA_BUCKET"
# sohoa may list the bucket and read, write and delete its objects; nothing else.
policy=$(mktemp)
cat > "$policy" <<JSON
{
  "Version": "2012-10-17",
  "Statement": [
    {"Effect": "Allow",
     "Action": ["s3:GetBucketLocation", "s3:ListBucket", "s3:ListBucketMultipartUploads"],
     "Resource": ["arn:aws:s3:::$SOHOA_BUCKET"]},
    {"Effect": "Allow",
     "Action": ["s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload",
                "s3:ListMultipartUploadParts"],
     "Resource": ["arn:aws:s3:::$SOHOA_BUCKET/*"]}
  ]
}
JSON
mc admin policy create archive sohoa-archive "$policy"
mc admin user add archive "$SOHOA_S3_ACCESS_KEY" "$SOHOA_S3_SECRET_KEY"
# attach fails when the policy is attached already (a second run): that is fine
mc admin policy attach archive sohoa-archive --user "$SOHOA_S3_ACCESS_KEY" || true
# Incomplete multipart uploads: MinIO refuses the S3 lifecycle rule AbortIncompleteMultipartUpload
# (minio/minio#16120) and removes them itself after api stale_uploads_expiry (the compose file sets
# MINIO_API_STALE_UPLOADS_EXPIRY). Show the value in force, so the job's log records it.
mc admin config get archive api | tr ' ' '\n' | grep '^stale_uploads' || true
echo "bucket $SOHOA_BUCKET ready"
