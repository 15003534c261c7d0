# Block now lives in accounts (accounts 0007, same table): removed from moderation's state only.

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0007_block'),
        ('moderation', '0006_purge_capability'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name='Block')],
            database_operations=[],
        ),
    ]
