"""A real S3 API for the tests: moto's standalone server (`moto[server]`,
ThreadedMotoServer), started once by the test session on a free port of 127.0.0.1 and
spoken to over HTTP by boto3, as a production bucket would be. It installs from PyPI with
the other test tools, needs no network and no service on the machine, and runs in the
session's own process, so CI needs nothing more. Each test gets a bucket of its own."""

import itertools

import boto3
import pytest

ACCESS = {"access_key": "testing", "secret_key": "testing", "region_name": "us-east-1"}
_buckets = itertools.count(1)


@pytest.fixture(scope="session")
def s3_endpoint():
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


def s3_client(endpoint):
    return boto3.client(
        "s3",
        endpoint_url=endpoint,
        aws_access_key_id=ACCESS["access_key"],
        aws_secret_access_key=ACCESS["secret_key"],
        region_name=ACCESS["region_name"],
    )


def s3_bucket_new(endpoint) -> str:
    name = f"private-files-{next(_buckets)}"
    s3_client(endpoint).create_bucket(Bucket=name)
    return name


def s3_keys(endpoint, bucket) -> list[str]:
    """The names of the objects in the bucket: what a check on a purge still under way can
    read without racing the deletes."""
    listed = s3_client(endpoint).list_objects_v2(Bucket=bucket).get("Contents", [])
    return [item["Key"] for item in listed]


def s3_objects(endpoint, bucket) -> dict[str, bytes]:
    """Every object in the bucket, as a thief with the bucket would have it."""
    client = s3_client(endpoint)
    listed = client.list_objects_v2(Bucket=bucket).get("Contents", [])
    return {
        item["Key"]: client.get_object(Bucket=bucket, Key=item["Key"])["Body"].read()
        for item in listed
    }


@pytest.fixture
def s3_bucket(settings, s3_endpoint):
    """The private storage switched to a new bucket on the S3 server, as production's
    settings (PRIVATE_STORAGE_*) would make it."""
    bucket = s3_bucket_new(s3_endpoint)
    private = {
        "BACKEND": "visitation.storage.PrivateS3Storage",
        "OPTIONS": {"bucket_name": bucket, "endpoint_url": s3_endpoint, **ACCESS},
    }
    settings.STORAGES = {**settings.STORAGES, "default": private, "private": private}
    return bucket


@pytest.fixture(params=["folder", "s3"])
def private_backend(request, settings):
    """Run a test on both private storages: the folder (default) and an S3 bucket. Gives
    a function returning every stored file's bytes by name."""
    if request.param == "folder":
        root = settings.PRIVATE_MEDIA_ROOT

        def stored():
            return {
                str(p.relative_to(root)): p.read_bytes() for p in root.rglob("*") if p.is_file()
            }

        return stored
    endpoint = request.getfixturevalue("s3_endpoint")
    bucket = request.getfixturevalue("s3_bucket")
    return lambda: s3_objects(endpoint, bucket)
