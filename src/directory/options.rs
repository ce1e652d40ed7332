//! Translating [`Config`] into the directory's settings: the schema with the extra
//! files loaded, the suffix, the index spec, and how writes are checked.

use super::index_spec::IndexSpec;
use crate::config::{Config, SchemaCheck};
use crate::dn::Dn;
use crate::error::{LdapError, ResultCode};
use crate::password::{HashParams, PasswordScheme};
use crate::schema::{Schema, SchemaMode};

/// Everything the directory takes from the configuration, checked.
pub(super) struct Options {
    /// The built-in schema plus `schema_files`.
    pub schema: Schema,
    /// The naming context served.
    pub suffix: Dn,
    /// The configured indexes.
    pub index: IndexSpec,
    /// How writes are checked and transformed.
    pub policy: WritePolicy,
}

/// The configured rules every write follows.
pub(super) struct WritePolicy {
    /// Strict or lenient schema checking.
    pub mode: SchemaMode,
    /// How new password hashes are made.
    pub password: HashParams,
    /// Whether cleartext userPassword values are hashed on the way in.
    pub hash_cleartext: bool,
    /// Schema names of the attributes whose values may name one entry only.
    pub unique: Vec<String>,
    /// Whether a Maildir path is kept from being handed to a second account.
    pub mailbox_guard: bool,
    /// Schema names of the DN-valued attributes kept naming live entries (refint).
    pub referential_integrity: Vec<String>,
}

impl Options {
    /// Read the schema files and check every name the configuration uses.
    pub fn from_config(config: &Config) -> Result<Options, LdapError> {
        let schema = load_schema(config)?;
        let suffix = Dn::parse(&config.suffix)
            .map_err(|e| LdapError::new(ResultCode::InvalidDnSyntax, e.to_string()))?;
        let referential_integrity = referential_integrity(&schema, config)?;
        // Referrers are found through the equality index, whatever [indexes] says.
        let index =
            IndexSpec::from_config(&schema, &config.indexes)?.with_equality(&referential_integrity);
        // A replica finds entries by entryUUID for the provider's renames and deletes.
        let by_uuid: Vec<String> = config
            .replication
            .iter()
            .map(|_| "entryUUID".to_string())
            .collect();
        let index = index.with_equality(&by_uuid);
        let policy = WritePolicy {
            mode: match config.schema_check {
                SchemaCheck::Lenient => SchemaMode::Lenient,
                SchemaCheck::Strict => SchemaMode::Strict,
            },
            password: hash_params(config)?,
            hash_cleartext: config.password.hash_cleartext,
            unique: unique_attributes(&schema, config)?,
            mailbox_guard: config.mailbox_guard,
            referential_integrity,
        };
        Ok(Options {
            schema,
            suffix,
            index,
            policy,
        })
    }
}

/// The built-in schema with the configured `schema_files` loaded on top.
fn load_schema(config: &Config) -> Result<Schema, LdapError> {
    let mut schema = Schema::builtin();
    for path in &config.schema_files {
        let text = std::fs::read_to_string(path).map_err(|e| {
            LdapError::internal(format!("cannot read schema {}: {e}", path.display()))
        })?;
        schema
            .load_file_text(&text, &path.display().to_string())
            .map_err(|e| LdapError::new(ResultCode::Other, e.to_string()))?;
    }
    Ok(schema)
}

/// The `[password]` table as hashing parameters.
fn hash_params(config: &Config) -> Result<HashParams, LdapError> {
    let scheme = PasswordScheme::from_tag(&config.password.scheme).ok_or_else(|| {
        LdapError::new(
            ResultCode::Other,
            format!(
                "password.scheme: unknown scheme {:?}",
                config.password.scheme
            ),
        )
    })?;
    Ok(HashParams {
        scheme,
        argon2_memory_kib: config.password.argon2_memory_kib,
        argon2_iterations: config.password.argon2_iterations,
        argon2_parallelism: config.password.argon2_parallelism,
        ..HashParams::default()
    })
}

/// `unique_attributes`, each resolved to its schema name.
fn unique_attributes(schema: &Schema, config: &Config) -> Result<Vec<String>, LdapError> {
    schema_names(schema, "unique_attributes", &config.unique_attributes)
}

/// Syntaxes whose values name entries: DN, and Name and Optional UID (uniqueMember).
const DN_SYNTAXES: &[&str] = &[
    "1.3.6.1.4.1.1466.115.121.1.12",
    "1.3.6.1.4.1.1466.115.121.1.34",
];

/// `referential_integrity`, each resolved to its schema name; every one must hold DNs.
fn referential_integrity(schema: &Schema, config: &Config) -> Result<Vec<String>, LdapError> {
    let names = schema_names(
        schema,
        "referential_integrity",
        &config.referential_integrity,
    )?;
    for name in &names {
        let syntax = schema.attribute(name).and_then(|at| at.syntax.as_deref());
        if !syntax.is_some_and(|s| DN_SYNTAXES.contains(&s)) {
            return Err(LdapError::new(
                ResultCode::Other,
                format!("referential_integrity: {name} does not hold DNs"),
            ));
        }
    }
    Ok(names)
}

/// The attribute names a configuration key lists, each resolved to its schema name.
fn schema_names(schema: &Schema, key: &str, names: &[String]) -> Result<Vec<String>, LdapError> {
    names
        .iter()
        .map(|a| {
            schema.canonical_attr_name(a).ok_or_else(|| {
                LdapError::new(
                    ResultCode::UndefinedAttributeType,
                    format!("{key}: {a}: attribute type undefined"),
                )
            })
        })
        .collect()
}
