"""Sync between a post and HQ, one module per flow. Callers import the module they need; this file
only maps the package (nothing is re-exported here).

A post sends what HQ has not acknowledged; HQ verifies it, keeps the newest version of each record
(owner wins) and answers with a return bundle. The format is in ``docs/bundle-format.md``.

Below every flow:
  ``signing``   canonical JSON bytes, base64, Ed25519 ``sign``/``verify``
  ``keywrap``   a secret sealed with a passphrase (Argon2id, ChaCha20-Poly1305)
  ``keys``      a station's signing key and encryption identity, on disk
  ``bundle``    the container: a signed zip of age-encrypted members (write, open, read records)
  ``agefile``   an age file's header read strictly, its X25519 stanzas opened and made, its MAC
  ``received``  pure checks of a received case record, in this process or a helper process
  ``summary``   ``ImportSummary``: what an import did, at HQ or at a post

The two flows the command line and the dialogs share:
  ``send``      ``send_to_hq``: a post writes its bundle parts, then e-mails them when asked
  ``receive``   ``receive``: import (HQ's or the post's, by the register's kind), then file the inbox

Enrolment and transport:
  ``enrol``     a post's request, HQ's certificate, the post's install, revocation
  ``rekey``     a replaced laptop or a rotation: new keys certified, the old one refused, the sequence
                and versions continued from what HQ holds
  ``key_requests`` the station keys as the app's dialogs see them: where they stand, a request read
                and shown before HQ accepts it (with the fingerprint read out by phone), each step by folder
  ``mail``      a post mails its bundles to HQ (SMTP)
  ``inbox``     HQ's inbox folder and its IMAP fetch

The post:
  ``export``        ``export_changes``: the bundle parts of every change HQ has not acknowledged
  ``returns``       ``import_returns``: HQ's return bundles applied at the post
  ``return_checks`` the checks of each record of a return bundle

HQ:
  ``hq_import``     ``import_bundles``: the posts' bundles, verified and applied in one transaction
  ``verify``        the checks of one bundle file before its records are applied
  ``checks``        the case records checked in chunks, shared with a helper process
  ``store``         received cases written (in bulk when new) and sealed into HQ's audit chain
  ``tip_import``    the tips a post sends, checked and stored
  ``handover_import`` the hand-overs to the police a post sends (``handover_document``), checked and stored
  ``status``        what HQ has of each post (``coverage``, ``unfinished_sets``, ``posts``: also its
                    certificate and the deadlines it missed, ``app.deadlines``)
  ``replies``       ``make_reply`` (return bundles; the watch list is ``app.watch``), ``set_reference_items``
  ``disclose``      ``disclose_bundle``: a post's bundle re-keyed for an outside auditor's age key

Names with a leading underscore are private to the package: its modules share them, callers outside
do not use them.
"""
