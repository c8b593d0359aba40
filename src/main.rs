//! The `policywatch` command line. STUB.

fn main() {
    println!("policywatch: under construction");
}
