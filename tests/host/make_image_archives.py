#!/usr/bin/env python3
"""Lays out the docker save archives Debian's docker 20.10 cannot write, from a real OCI layout
(made by umoci): what Docker >= 25 writes (an OCI layout inside the tar with manifest.json
pointing into blobs/sha256/, layers uncompressed) and what Docker with the containerd image
store writes for a multi-platform image (index.json -> the image's index -> one manifest per
platform plus attestation manifests; only linux/amd64's blobs present). Shapes from the
image-spec (image-layout.md, image-index.md) and moby's image/tarexport/save.go.

usage: make_image_archives.py OCI_DIR REF_NAME OUT_DIR  -> OUT_DIR/docker25.tar, OUT_DIR/containerd.tar
"""
import gzip
import hashlib
import io
import json
import os
import sys
import tarfile

INDEX = "application/vnd.oci.image.index.v1+json"
MANIFEST = "application/vnd.oci.image.manifest.v1+json"


def digest(data):
    return "sha256:" + hashlib.sha256(data).hexdigest()


def blob_path(d):
    return "blobs/sha256/" + d.split(":", 1)[1]


def descriptor(media_type, data, **extra):
    return dict(mediaType=media_type, digest=digest(data), size=len(data), **extra)


class Archive:
    def __init__(self, path):
        self.tar = tarfile.open(path, "w", format=tarfile.PAX_FORMAT)
        self.dirs = set()

    def add(self, name, data):
        parts = name.split("/")[:-1]
        for i in range(1, len(parts) + 1):
            d = "/".join(parts[:i])
            if d not in self.dirs:
                self.dirs.add(d)
                info = tarfile.TarInfo(d)
                info.type, info.mode = tarfile.DIRTYPE, 0o755
                self.tar.addfile(info)
        info = tarfile.TarInfo(name)
        info.size, info.mode = len(data), 0o444
        self.tar.addfile(info, io.BytesIO(data))

    def blob(self, data):
        self.add(blob_path(digest(data)), data)
        return digest(data)

    def close(self):
        self.tar.close()


def read_image(oci_dir, ref_name):
    def read(d):
        with open(os.path.join(oci_dir, blob_path(d)), "rb") as f:
            return f.read()
    with open(os.path.join(oci_dir, "index.json")) as f:
        index = json.load(f)
    entry = next(m for m in index["manifests"]
                 if m.get("annotations", {}).get("org.opencontainers.image.ref.name") == ref_name)
    manifest = json.loads(read(entry["digest"]))
    config = read(manifest["config"]["digest"])
    layers = [(l["mediaType"], read(l["digest"])) for l in manifest["layers"]]
    return config, layers


def docker25(config, layers, out):
    """moby 25's save (image/tarexport/save.go): layers stored uncompressed (their digest is
    the diff_id), index.json entries with the config's platform and both name annotations,
    manifest.json with familiar RepoTags, `repositories` naming the top layer's diff_id."""
    a = Archive(out)
    a.add("oci-layout", json.dumps({"imageLayoutVersion": "1.0.0"}).encode())
    config_digest = a.blob(config)
    plain = [gzip.decompress(data) if media_type.endswith("+gzip") else data for media_type, data in layers]
    layer_digests = [a.blob(data) for data in plain]
    manifest = json.dumps({
        "schemaVersion": 2, "mediaType": MANIFEST,
        "config": descriptor("application/vnd.oci.image.config.v1+json", config),
        "layers": [descriptor("application/vnd.oci.image.layer.v1.tar", data) for data in plain],
    }).encode()
    a.blob(manifest)
    names = {"docker.io/library/web:25": "25", "docker.io/library/web:latest": "latest"}
    a.add("index.json", json.dumps({"schemaVersion": 2, "mediaType": INDEX, "manifests": [
        descriptor(MANIFEST, manifest, platform={"architecture": "amd64", "os": "linux"},
                   annotations={"io.containerd.image.name": full, "org.opencontainers.image.ref.name": tag})
        for full, tag in names.items()]}).encode())
    a.add("manifest.json", json.dumps([{
        "Config": blob_path(config_digest), "RepoTags": ["web:25", "web:latest"],
        "Layers": [blob_path(d) for d in layer_digests]}]).encode())
    a.add("repositories", json.dumps({"web": {"25": layer_digests[-1].split(":")[1],
                                              "latest": layer_digests[-1].split(":")[1]}}).encode())
    a.close()


def containerd(config, layers, out):
    """Docker with the containerd store, a multi-platform image: nested index, gzip layers."""
    a = Archive(out)
    a.add("oci-layout", json.dumps({"imageLayoutVersion": "1.0.0"}).encode())
    a.blob(config)
    for _, data in layers:
        a.blob(data)
    amd64 = json.dumps({
        "schemaVersion": 2, "mediaType": MANIFEST,
        "config": descriptor("application/vnd.oci.image.config.v1+json", config),
        "layers": [descriptor(media_type, data) for media_type, data in layers],
    }).encode()
    a.blob(amd64)
    # Manifests of the other platform and the attestations: named, their blobs not saved.
    arm64 = b'{"schemaVersion":2,"mediaType":"' + MANIFEST.encode() + b'","arm64":true}'
    attestation = b'{"schemaVersion":2,"mediaType":"' + MANIFEST.encode() + b'","attestation":true}'
    inner = json.dumps({"schemaVersion": 2, "mediaType": INDEX, "manifests": [
        descriptor(MANIFEST, arm64, platform={"architecture": "arm64", "os": "linux", "variant": "v8"}),
        descriptor(MANIFEST, amd64, platform={"architecture": "amd64", "os": "linux"}),
        descriptor(MANIFEST, attestation, platform={"architecture": "unknown", "os": "unknown"},
                   annotations={"vnd.docker.reference.digest": digest(amd64),
                                "vnd.docker.reference.type": "attestation-manifest"}),
    ]}).encode()
    a.blob(inner)
    a.add("index.json", json.dumps({"schemaVersion": 2, "mediaType": INDEX, "manifests": [
        descriptor(INDEX, inner, annotations={"io.containerd.image.name": "docker.io/library/web:multi",
                                              "org.opencontainers.image.ref.name": "multi"})]}).encode())
    a.close()


def main():
    oci_dir, ref_name, out_dir = sys.argv[1:4]
    config, layers = read_image(oci_dir, ref_name)
    docker25(config, layers, os.path.join(out_dir, "docker25.tar"))
    containerd(config, layers, os.path.join(out_dir, "containerd.tar"))


if __name__ == "__main__":
    main()
