"""EC2 HTTP reset peer's program on the instance: run as `python3 -m http_reset_peer inject|cleanup`
by the document's script, through ssm-documents/src/bootstrap.py."""
