"""The sealed ballot box (docs/ballots.md, "Secrecy").

Ballots no longer record their channel; a cast stores a SealedBallot until close; paper
batches keep keyed digests instead of their lines. Polls open at upgrade time have no key
and ballots written in clear: the upgrade refuses to run while any poll is open (close or
void it first). Counted polls get their ballots rewritten in one transaction in random
order with new ids, so that the rows written during their vote (which shared a transaction
with their participations) are gone from the live tables; paper lines kept by their
batches are dropped.
"""

import random

import django.db.models.deletion
from django.db import migrations, models

import renda.ballots.models


def _refuse_open_polls(apps, schema_editor):
    Poll = apps.get_model("ballots", "Poll")
    open_polls = list(Poll.objects.filter(status="open").values_list("pk", flat=True))
    if open_polls:
        raise RuntimeError(
            "Polls %s are open: close or void them before this upgrade (their ballots were "
            "written before the sealed ballot box)." % ", ".join(map(str, open_polls))
        )


def _rewrite_counted_ballots(apps, schema_editor):
    Ballot = apps.get_model("ballots", "Ballot")
    BallotMark = apps.get_model("ballots", "BallotMark")
    WriteIn = apps.get_model("ballots", "WriteIn")
    PaperBatch = apps.get_model("ballots", "PaperBatch")
    for batch in PaperBatch.objects.all():
        batch.size = len(batch.entries or [])
        batch.entries = []
        batch.save(update_fields=["size", "entries"])
    rng = random.SystemRandom()
    poll_ids = Ballot.objects.values_list("poll_id", flat=True).distinct()
    for poll_id in list(poll_ids):
        old = {
            b.pk: (b.receipt_hash, b.invalid, [], [])
            for b in Ballot.objects.filter(poll_id=poll_id)
        }
        for m in BallotMark.objects.filter(ballot__poll_id=poll_id):
            old[m.ballot_id][2].append((m.subject_id, m.choice))
        for w in WriteIn.objects.filter(ballot__poll_id=poll_id):
            old[w.ballot_id][3].append(w.name)
        WriteIn.objects.filter(ballot__poll_id=poll_id).delete()
        BallotMark.objects.filter(ballot__poll_id=poll_id).delete()
        Ballot.objects.filter(poll_id=poll_id).delete()
        contents = list(old.values())
        rng.shuffle(contents)
        ballots, marks, names = [], [], []
        for receipt_hash, invalid, ballot_marks, written in contents:
            ballot = Ballot(
                id=renda.ballots.models.random_id(),
                poll_id=poll_id,
                receipt_hash=receipt_hash,
                invalid=invalid,
            )
            ballots.append(ballot)
            marks += [
                BallotMark(
                    id=renda.ballots.models.random_id(), ballot=ballot, subject_id=s, choice=c
                )
                for s, c in ballot_marks
            ]
            names += [
                WriteIn(id=renda.ballots.models.random_id(), ballot=ballot, name=n)
                for n in written
            ]
        Ballot.objects.bulk_create(ballots, batch_size=200)
        BallotMark.objects.bulk_create(marks, batch_size=200)
        WriteIn.objects.bulk_create(names, batch_size=200)


class Migration(migrations.Migration):

    dependencies = [
        ("ballots", "0002_voter_pages_elections"),
    ]

    operations = [
        migrations.RunPython(_refuse_open_polls, migrations.RunPython.noop),
        migrations.RemoveField(
            model_name="ballot",
            name="channel",
        ),
        migrations.AddField(
            model_name="paperbatch",
            name="size",
            field=models.PositiveIntegerField(default=0, verbose_name="ballots in the batch"),
        ),
        migrations.AddField(
            model_name="poll",
            name="key_holders",
            field=models.PositiveSmallIntegerField(
                default=3,
                help_text="The tellers and the chair: one printed share each, handed out at opening.",
                verbose_name="key shares handed out",
            ),
        ),
        migrations.AddField(
            model_name="poll",
            name="key_threshold",
            field=models.PositiveSmallIntegerField(
                default=2,
                help_text="How many of the key holders must enter their shares to close the poll.",
                verbose_name="key shares needed to count",
            ),
        ),
        migrations.AddField(
            model_name="poll",
            name="public_key",
            field=models.CharField(
                blank=True, editable=False, max_length=64, verbose_name="public key of the ballot box"
            ),
        ),
        migrations.AlterField(
            model_name="paperbatch",
            name="entries",
            field=models.JSONField(default=list, verbose_name="entries (keyed digests)"),
        ),
        migrations.CreateModel(
            name="SealedBallot",
            fields=[
                (
                    "id",
                    renda.ballots.models.RandomIdField(
                        default=renda.ballots.models.random_id,
                        editable=False,
                        primary_key=True,
                        serialize=False,
                    ),
                ),
                ("box", models.BinaryField(verbose_name="sealed ballot")),
                (
                    "poll",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="sealed_ballots",
                        to="ballots.poll",
                        verbose_name="poll",
                    ),
                ),
            ],
            options={
                "verbose_name": "sealed ballot",
                "verbose_name_plural": "sealed ballots",
            },
        ),
        migrations.RunPython(_rewrite_counted_ballots, migrations.RunPython.noop),
    ]
