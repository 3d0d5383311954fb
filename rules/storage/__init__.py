"""storage rules."""

from proxguard.rule import Rule
from proxguard.rules.storage.backup_coverage import RULE as BACKUP_COVERAGE
from proxguard.rules.storage.cifs_world_readable import RULE as CIFS_WORLD_READABLE
from proxguard.rules.storage.nfs_no_root_squash import RULE as NFS_NO_ROOT_SQUASH
from proxguard.rules.storage.pbs_backup_protection import RULE as PBS_BACKUP_PROTECTION

RULES: tuple[Rule, ...] = (NFS_NO_ROOT_SQUASH, CIFS_WORLD_READABLE, PBS_BACKUP_PROTECTION,
                           BACKUP_COVERAGE)
