/**
 * S3 PutObject, GetObject and ListObjectsV2 on buckets that exist, with conditional writes
 * (If-None-Match: *) as S3 answers them: 412 PreconditionFailed when the key exists.
 */
import {
  S3ServiceException,
  type GetObjectCommandInput,
  type ListObjectsV2CommandInput,
  type PutObjectCommandInput,
} from "@aws-sdk/client-s3";
import { serviceError, type ServiceExceptionClass } from "./errors";
import { page } from "./pages";

const Base = S3ServiceException as unknown as ServiceExceptionClass;

export class FakeS3 {
  private readonly buckets = new Map<string, Map<string, string>>();

  createBucket(name: string): void {
    if (!this.buckets.has(name)) this.buckets.set(name, new Map());
  }

  private bucket(name: string | undefined): Map<string, string> {
    const bucket = this.buckets.get(name ?? "");
    if (!bucket) throw serviceError(Base, "NoSuchBucket", "The specified bucket does not exist", 404);
    return bucket;
  }

  /** An object's text, as the state machine's ItemReader reads it. */
  read(bucketName: string, key: string): string {
    const text = this.bucket(bucketName).get(key);
    if (text === undefined) throw serviceError(Base, "NoSuchKey", "The specified key does not exist.", 404);
    return text;
  }

  /** Every key of a bucket. */
  keys(bucketName: string): string[] {
    return [...this.bucket(bucketName).keys()];
  }

  PutObject(input: PutObjectCommandInput) {
    const bucket = this.bucket(input.Bucket);
    const key = input.Key ?? "";
    if (input.IfNoneMatch === "*" && bucket.has(key)) {
      throw serviceError(
        Base,
        "PreconditionFailed",
        "At least one of the pre-conditions you specified did not hold",
        412,
      );
    }
    bucket.set(
      key,
      typeof input.Body === "string" ? input.Body : Buffer.from(input.Body as Uint8Array).toString(),
    );
    return { ETag: `"${key.length}"` };
  }

  /** Keys under a prefix in UTF-8 binary order, at most MaxKeys (1,000 by default) a page. */
  ListObjectsV2(input: ListObjectsV2CommandInput) {
    const keys = [...this.bucket(input.Bucket).keys()].filter((k) => k.startsWith(input.Prefix ?? "")).sort();
    const { items, nextToken } = page(
      keys,
      Math.min(input.MaxKeys ?? 1000, 1000),
      input.ContinuationToken,
      () => serviceError(Base, "InvalidArgument", "The continuation token provided is incorrect", 400),
    );
    return {
      Contents: items.map((Key) => ({ Key })),
      KeyCount: items.length,
      IsTruncated: nextToken !== undefined,
      ...(nextToken ? { NextContinuationToken: nextToken } : {}),
    };
  }

  GetObject(input: GetObjectCommandInput) {
    const text = this.read(input.Bucket ?? "", input.Key ?? "");
    return { Body: text, ContentType: "application/json", ContentLength: Buffer.byteLength(text) };
  }
}

/** GetObject's Body as the SDK gives it: a stream that reads itself out (only what the handlers use). */
export const streamingBody = (text: string) => ({
  transformToString: async () => text,
  transformToByteArray: async () => new Uint8Array(Buffer.from(text)),
});
