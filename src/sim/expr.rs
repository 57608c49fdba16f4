//! Simple Qlik expressions over the simulator's table: `Sum`, `Count`, `Avg`, `Min`, `Max`,
//! `Only` and `Count(DISTINCT …)` of a field or a row expression (`Sum(Sales - Cost)`), numbers,
//! 'strings', `+ - * /`, parentheses and `&` (string concatenation). A field outside an
//! aggregation means `Only(field)`, as in the engine. Anything else does not parse, and the
//! caller falls back to the literal-only evaluation titles use.

use super::table::{Cell, DataTable, format_number};

#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    Num(f64),
    Str(String),
    Field(String),
    Agg {
        func: Agg,
        distinct: bool,
        arg: Box<Expr>,
    },
    Neg(Box<Expr>),
    Bin(char, Box<Expr>, Box<Expr>),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Agg {
    Sum,
    Count,
    Avg,
    Min,
    Max,
    Only,
}

/// A computed value: a number, a text, or null (shown as "-").
#[derive(Debug, Clone, PartialEq)]
pub enum Val {
    Num(f64),
    Text(String),
    Null,
}

impl Val {
    pub fn num(&self) -> Option<f64> {
        match self {
            Val::Num(n) => Some(*n),
            _ => None,
        }
    }

    pub fn text(&self) -> String {
        match self {
            Val::Num(n) => format_number(*n),
            Val::Text(s) => s.clone(),
            Val::Null => "-".into(),
        }
    }

    pub fn to_cell(&self) -> Cell {
        Cell {
            text: self.text(),
            num: self.num(),
        }
    }

    fn of(cell: &Cell) -> Val {
        match cell.num {
            Some(n) => Val::Num(n),
            None => Val::Text(cell.text.clone()),
        }
    }
}

/// Parses an expression (a leading `=` is allowed); None when it is not one of the simple forms.
pub fn parse(text: &str) -> Option<Expr> {
    let text = text.trim();
    let text = text.strip_prefix('=').unwrap_or(text);
    let mut p = Parser {
        s: text.as_bytes(),
        i: 0,
    };
    let e = p.expr()?;
    p.ws();
    (p.i == p.s.len()).then_some(e)
}

struct Parser<'a> {
    s: &'a [u8],
    i: usize,
}

impl Parser<'_> {
    fn ws(&mut self) {
        while self.i < self.s.len() && self.s[self.i].is_ascii_whitespace() {
            self.i += 1;
        }
    }

    fn peek(&mut self) -> Option<u8> {
        self.ws();
        self.s.get(self.i).copied()
    }

    fn eat(&mut self, c: u8) -> bool {
        if self.peek() == Some(c) {
            self.i += 1;
            true
        } else {
            false
        }
    }

    fn expr(&mut self) -> Option<Expr> {
        let mut left = self.sum()?;
        while self.eat(b'&') {
            let right = self.sum()?;
            left = Expr::Bin('&', Box::new(left), Box::new(right));
        }
        Some(left)
    }

    fn sum(&mut self) -> Option<Expr> {
        let mut left = self.term()?;
        loop {
            let op = match self.peek() {
                Some(c @ (b'+' | b'-')) => c,
                _ => return Some(left),
            };
            self.i += 1;
            let right = self.term()?;
            left = Expr::Bin(op as char, Box::new(left), Box::new(right));
        }
    }

    fn term(&mut self) -> Option<Expr> {
        let mut left = self.factor()?;
        loop {
            let op = match self.peek() {
                Some(c @ (b'*' | b'/')) => c,
                _ => return Some(left),
            };
            self.i += 1;
            let right = self.factor()?;
            left = Expr::Bin(op as char, Box::new(left), Box::new(right));
        }
    }

    fn factor(&mut self) -> Option<Expr> {
        match self.peek()? {
            b'(' => {
                self.i += 1;
                let e = self.expr()?;
                self.eat(b')').then_some(e)
            }
            b'-' => {
                self.i += 1;
                Some(Expr::Neg(Box::new(self.factor()?)))
            }
            b'\'' => {
                self.i += 1;
                let start = self.i;
                while self.i < self.s.len() && self.s[self.i] != b'\'' {
                    self.i += 1;
                }
                let text = std::str::from_utf8(&self.s[start..self.i])
                    .ok()?
                    .to_string();
                self.eat(b'\'').then_some(Expr::Str(text))
            }
            b'[' => {
                self.i += 1;
                let start = self.i;
                while self.i < self.s.len() && self.s[self.i] != b']' {
                    self.i += 1;
                }
                let name = std::str::from_utf8(&self.s[start..self.i])
                    .ok()?
                    .to_string();
                self.eat(b']').then_some(Expr::Field(name))
            }
            c if c.is_ascii_digit() || c == b'.' => {
                let start = self.i;
                while self.i < self.s.len()
                    && (self.s[self.i].is_ascii_digit() || self.s[self.i] == b'.')
                {
                    self.i += 1;
                }
                std::str::from_utf8(&self.s[start..self.i])
                    .ok()?
                    .parse()
                    .ok()
                    .map(Expr::Num)
            }
            c if c.is_ascii_alphabetic() || c == b'_' || c >= 0x80 => {
                let word = self.word()?;
                if self.peek() != Some(b'(') {
                    return Some(Expr::Field(word));
                }
                let func = match word.to_ascii_lowercase().as_str() {
                    "sum" => Agg::Sum,
                    "count" => Agg::Count,
                    "avg" => Agg::Avg,
                    "min" => Agg::Min,
                    "max" => Agg::Max,
                    "only" => Agg::Only,
                    _ => return None,
                };
                self.i += 1;
                let save = self.i;
                let distinct = match self.word() {
                    Some(w) if w.eq_ignore_ascii_case("distinct") => true,
                    _ => {
                        self.i = save;
                        false
                    }
                };
                let arg = self.expr()?;
                if !self.eat(b')') || contains_agg(&arg) {
                    return None;
                }
                Some(Expr::Agg {
                    func,
                    distinct,
                    arg: Box::new(arg),
                })
            }
            _ => None,
        }
    }

    fn word(&mut self) -> Option<String> {
        self.ws();
        let start = self.i;
        while self.i < self.s.len() {
            let c = self.s[self.i];
            if c.is_ascii_alphanumeric() || c == b'_' || c == b'$' || c >= 0x80 {
                self.i += 1;
            } else {
                break;
            }
        }
        (self.i > start)
            .then(|| {
                std::str::from_utf8(&self.s[start..self.i])
                    .ok()
                    .map(str::to_string)
            })
            .flatten()
    }
}

/// Nested aggregations (`Sum(Count(x))`) need Aggr, which the simulator does not do.
fn contains_agg(e: &Expr) -> bool {
    match e {
        Expr::Agg { .. } => true,
        Expr::Neg(a) => contains_agg(a),
        Expr::Bin(_, a, b) => contains_agg(a) || contains_agg(b),
        _ => false,
    }
}

/// The value of `e` over `rows` of `table` (an aggregation context: a hypercube row's group, or
/// the whole table for Evaluate).
pub fn eval(e: &Expr, table: &DataTable, rows: &[usize]) -> Val {
    match e {
        Expr::Num(n) => Val::Num(*n),
        Expr::Str(s) => Val::Text(s.clone()),
        Expr::Field(_) => eval(
            &Expr::Agg {
                func: Agg::Only,
                distinct: false,
                arg: Box::new(e.clone()),
            },
            table,
            rows,
        ),
        Expr::Neg(a) => negate(eval(a, table, rows)),
        Expr::Bin(op, a, b) => binary(*op, eval(a, table, rows), eval(b, table, rows)),
        Expr::Agg {
            func,
            distinct,
            arg,
        } => {
            let mut values: Vec<Val> = rows
                .iter()
                .map(|&r| row_value(arg, table, r))
                .filter(|v| *v != Val::Null)
                .collect();
            if *distinct {
                let mut seen = std::collections::HashSet::new();
                values.retain(|v| seen.insert(v.text()));
            }
            aggregate(*func, &values)
        }
    }
}

/// A row-level value (the argument of an aggregation, a calculated dimension).
pub fn row_value(e: &Expr, table: &DataTable, row: usize) -> Val {
    match e {
        Expr::Num(n) => Val::Num(*n),
        Expr::Str(s) => Val::Text(s.clone()),
        Expr::Field(f) => match table.column(f) {
            Some(c) => Val::of(&table.rows[row][c]),
            None => Val::Null,
        },
        Expr::Neg(a) => negate(row_value(a, table, row)),
        Expr::Bin(op, a, b) => binary(*op, row_value(a, table, row), row_value(b, table, row)),
        Expr::Agg { .. } => Val::Null,
    }
}

fn aggregate(func: Agg, values: &[Val]) -> Val {
    let nums: Vec<f64> = values.iter().filter_map(Val::num).collect();
    match func {
        Agg::Count => Val::Num(values.len() as f64),
        Agg::Sum => Val::Num(nums.iter().sum()),
        Agg::Avg if nums.is_empty() => Val::Null,
        Agg::Avg => Val::Num(nums.iter().sum::<f64>() / nums.len() as f64),
        Agg::Min => nums
            .iter()
            .copied()
            .reduce(f64::min)
            .map_or(Val::Null, Val::Num),
        Agg::Max => nums
            .iter()
            .copied()
            .reduce(f64::max)
            .map_or(Val::Null, Val::Num),
        Agg::Only => {
            let first = values.first().map(Val::text);
            if first.is_some() && values.iter().all(|v| Some(v.text()) == first) {
                values[0].clone()
            } else {
                Val::Null
            }
        }
    }
}

fn negate(v: Val) -> Val {
    match v {
        Val::Num(n) => Val::Num(-n),
        _ => Val::Null,
    }
}

fn binary(op: char, a: Val, b: Val) -> Val {
    if op == '&' {
        let part = |v: &Val| {
            if *v == Val::Null {
                String::new()
            } else {
                v.text()
            }
        };
        return Val::Text(part(&a) + &part(&b));
    }
    let (Some(x), Some(y)) = (a.num(), b.num()) else {
        return Val::Null;
    };
    match op {
        '+' => Val::Num(x + y),
        '-' => Val::Num(x - y),
        '*' => Val::Num(x * y),
        '/' if y == 0.0 => Val::Null,
        '/' => Val::Num(x / y),
        _ => Val::Null,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::data::{FieldDef, TableDef};

    fn table() -> DataTable {
        let f = |name: &str, distinct, tags: &[&str]| FieldDef {
            name: name.into(),
            distinct,
            tags: tags.iter().map(|t| t.to_string()).collect(),
            comment: String::new(),
        };
        DataTable::build(&[TableDef {
            name: "T".into(),
            rows: 0,
            comment: String::new(),
            fields: vec![
                f("Region", 4, &[]),
                f("Amount", 3, &["$numeric"]),
                f("Cost", 3, &["$numeric"]),
            ],
        }])
    }

    #[test]
    fn aggregations_over_the_table() {
        let t = table();
        let all: Vec<usize> = (0..t.rows.len()).collect();
        let amounts: Vec<f64> = all.iter().map(|&r| t.rows[r][1].num.unwrap()).collect();
        let ev = |s: &str| eval(&parse(s).unwrap(), &t, &all);
        let sum: f64 = amounts.iter().sum();
        assert_eq!(ev("=Sum(Amount)"), Val::Num(sum));
        assert_eq!(ev("Count(Region)"), Val::Num(all.len() as f64));
        assert_eq!(ev("Count(DISTINCT Region)"), Val::Num(4.0));
        assert_eq!(ev("count( distinct [Region] )"), Val::Num(4.0));
        assert_eq!(ev("Only(Region)"), Val::Null);
        assert_eq!(
            ev("Max(Amount)"),
            Val::Num(amounts.iter().copied().fold(f64::MIN, f64::max))
        );
        assert_eq!(ev("Avg(Amount)"), Val::Num(sum / all.len() as f64));
        assert_eq!(ev("(1 + 2) * 3 - -1"), Val::Num(10.0));
        assert_eq!(ev("'a' & 'b'"), Val::Text("ab".into()));
        let margin = eval(
            &parse("Sum(Amount - Cost) / Sum(Amount)").unwrap(),
            &t,
            &all,
        );
        let cost: f64 = all.iter().map(|&r| t.rows[r][2].num.unwrap()).sum();
        let want = (sum - cost) / sum;
        assert!(
            (margin.num().unwrap() - want).abs() < 1e-9,
            "{margin:?} vs {want}"
        );
        assert_eq!(ev("Sum(Nope)"), Val::Num(0.0));
        assert_eq!(
            eval(&parse("Only(Region)").unwrap(), &t, &[0, 4]).text(),
            "Region 1"
        );
        for bad in ["Sum(", "Date(x)", "Sum(Count(x))", "1 +", "'open"] {
            assert_eq!(parse(bad), None, "{bad}");
        }
    }
}
