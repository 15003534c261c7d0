# The Block model moves from moderation to accounts; its table stays `moderation_block`
# (state only: no SQL runs). moderation 0007 removes it from moderation's state.

import uuid

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0006_verbose_names'),
        ('moderation', '0006_purge_capability'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='Block',
                    fields=[
                        ('id', models.UUIDField(default=uuid.uuid4, editable=False, primary_key=True, serialize=False)),
                        ('created_at', models.DateTimeField(default=django.utils.timezone.now)),
                        ('blocked', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='blocks_received', to=settings.AUTH_USER_MODEL)),
                        ('blocker', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='blocks_made', to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        'verbose_name': 'block',
                        'verbose_name_plural': 'blocks',
                        'db_table': 'moderation_block',
                        'ordering': ['-created_at'],
                        'indexes': [models.Index(fields=['blocked', 'blocker'], name='moderation__blocked_d0840e_idx')],
                        'constraints': [models.UniqueConstraint(fields=('blocker', 'blocked'), name='moderation_block_pair'), models.CheckConstraint(condition=models.Q(('blocker', models.F('blocked')), _negated=True), name='moderation_block_not_self')],
                    },
                ),
            ],
            database_operations=[],
        ),
    ]
